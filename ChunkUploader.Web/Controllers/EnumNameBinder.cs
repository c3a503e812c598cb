using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace ChunkUploader.Web.Controllers;

/// <summary>
/// Binds an enum from exactly one of its names, in any case. MVC's own binder also takes a number or a comma list, which
/// it combines bit by bit: <c>status=Assembling,Complete</c> would quietly filter on a third status.
/// </summary>
public sealed class EnumNameBinder : IModelBinder
{
    public Task BindModelAsync(ModelBindingContext bindingContext)
    {
        var value = bindingContext.ValueProvider.GetValue(bindingContext.ModelName);
        if (value == ValueProviderResult.None || string.IsNullOrWhiteSpace(value.FirstValue)) return Task.CompletedTask;
        bindingContext.ModelState.SetModelValue(bindingContext.ModelName, value);

        var text = value.FirstValue.Trim();
        var type = bindingContext.ModelMetadata.UnderlyingOrModelType;
        if (Enum.GetNames(type).FirstOrDefault(name => name.Equals(text, StringComparison.OrdinalIgnoreCase)) is { } name)
        {
            bindingContext.Result = ModelBindingResult.Success(Enum.Parse(type, name));
        }
        else
        {
            var invalid = bindingContext.ModelMetadata.ModelBindingMessageProvider.AttemptedValueIsInvalidAccessor;
            bindingContext.ModelState.TryAddModelError(bindingContext.ModelName, invalid(value.FirstValue, bindingContext.ModelMetadata.Name ?? bindingContext.ModelName));
            bindingContext.Result = ModelBindingResult.Failed();
        }
        return Task.CompletedTask;
    }
}
