using Microsoft.AspNetCore.Mvc.ActionConstraints;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Routing;

namespace ChunkUploader.Web.Controllers;

/// <summary>
/// Every action that answers GET answers HEAD too, as RFC 9110 asks: the same status and headers, and no body (Kestrel
/// drops it). Without this an <c>[HttpGet]</c> address answered HEAD with 404.
/// </summary>
public sealed class HeadWhereGet : IActionModelConvention
{
    public void Apply(ActionModel action)
    {
        // An action with a HEAD route of its own (the download) already says what HEAD means there.
        if (action.Selectors.Any(selector => MethodsOf(selector)?.HttpMethods.Contains(HttpMethods.Head) == true)) return;
        foreach (var selector in action.Selectors)
        {
            if (MethodsOf(selector) is not { } methods || !methods.HttpMethods.Contains(HttpMethods.Get)) continue;
            string[] withHead = [.. methods.HttpMethods, HttpMethods.Head];
            selector.EndpointMetadata[selector.EndpointMetadata.IndexOf(methods)] = new HttpMethodMetadata(withHead, methods.AcceptCorsPreflight);
            for (var i = 0; i < selector.ActionConstraints.Count; i++)
                if (selector.ActionConstraints[i] is HttpMethodActionConstraint) selector.ActionConstraints[i] = new HttpMethodActionConstraint(withHead);
        }
    }

    private static HttpMethodMetadata? MethodsOf(SelectorModel selector) => selector.EndpointMetadata.OfType<HttpMethodMetadata>().LastOrDefault();
}
