using System.ComponentModel.DataAnnotations;
using ChunkUploader.Web.Options;

namespace ChunkUploader.Tests.Services;

[TestClass]
public sealed class UploadOptionsTests
{
    [TestMethod]
    [DataRow(new[] { ".bin" }, new string[0], "Upload:AllowedExtensions '.bin' must be an extension without its dot")]
    [DataRow(new[] { "jpg", " " }, new string[0], "Upload:AllowedExtensions ' ' must be")]
    [DataRow(new string[0], new[] { "images" }, "Upload:AllowedTypes 'images' must be a media type")]
    [DataRow(new string[0], new[] { "image/" }, "Upload:AllowedTypes 'image/' must be a media type")]
    public void A_list_that_would_refuse_every_upload_is_refused_at_start(string[] extensions, string[] types, string message)
    {
        var options = new UploadOptions { AllowedExtensions = extensions, AllowedTypes = types };
        var results = new List<ValidationResult>();

        Assert.IsFalse(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        StringAssert.StartsWith(results.Single().ErrorMessage, message);
    }

    [TestMethod]
    public void Extensions_without_their_dot_and_media_types_or_families_are_valid()
    {
        var options = new UploadOptions { AllowedExtensions = ["jpg", "tar.gz"], AllowedTypes = ["image/*", "application/pdf"] };

        Assert.IsTrue(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }
}
