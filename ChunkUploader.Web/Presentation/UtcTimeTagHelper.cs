using System.Globalization;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace ChunkUploader.Web.Presentation;

/// <summary>
/// <c>&lt;utc-time value="…" /&gt;</c> renders a <c>&lt;time&gt;</c> in UTC that <c>site.js</c> rewrites into the viewer's
/// local time zone; the server cannot know that zone, the browser can. The UTC value stays in the tooltip and in the
/// <c>datetime</c> attribute, and is what people without script see.
/// </summary>
[HtmlTargetElement("utc-time", TagStructure = TagStructure.WithoutEndTag)]
public sealed class UtcTimeTagHelper : TagHelper
{
    public DateTime? Value { get; set; }

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (Value is not { } value)
        {
            output.SuppressOutput();
            return;
        }
        // SQLite hands DateTimes back as Unspecified; the app stores UTC everywhere.
        var utc = DateTime.SpecifyKind(value, DateTimeKind.Utc);
        var readable = utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
        output.TagName = "time";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.SetAttribute("datetime", utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        output.Attributes.SetAttribute("title", readable);
        output.Attributes.SetAttribute("class", "local-time");
        output.Content.SetContent(readable);
    }
}
