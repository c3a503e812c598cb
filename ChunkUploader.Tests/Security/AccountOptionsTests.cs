using System.ComponentModel.DataAnnotations;
using ChunkUploader.Web.Security;

namespace ChunkUploader.Tests.Security;

[TestClass]
public sealed class AccountOptionsTests
{
    [TestMethod]
    public void Requiring_confirmed_accounts_is_refused_because_no_email_would_confirm_them()
    {
        var options = new AccountOptions { RequireConfirmedAccount = true };
        var results = new List<ValidationResult>();

        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.IsFalse(valid);
        StringAssert.Contains(results.Single().ErrorMessage, "needs email delivery, which this server does not have");
    }

    [TestMethod]
    public void The_defaults_are_valid()
    {
        var options = new AccountOptions();

        Assert.IsTrue(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }
}
