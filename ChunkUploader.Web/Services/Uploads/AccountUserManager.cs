using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Services.Uploads;

/// <summary>Identity's user manager, except that deleting an account also deletes every file and chunk the user stored.</summary>
/// <remarks>The records go with the account (cascade); the orphan sweep catches any bytes a crash leaves behind.</remarks>
public sealed class AccountUserManager(
    IUserStore<IdentityUser> users,
    IOptions<IdentityOptions> identityOptions,
    IPasswordHasher<IdentityUser> passwordHasher,
    IEnumerable<IUserValidator<IdentityUser>> userValidators,
    IEnumerable<IPasswordValidator<IdentityUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<IdentityUser>> logger,
    IUploadStore store)
    : UserManager<IdentityUser>(users, identityOptions, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override async Task<IdentityResult> DeleteAsync(IdentityUser user)
    {
        var result = await base.DeleteAsync(user);
        if (result.Succeeded) await store.DeleteOwnerAsync(user.Id, CancellationToken);
        return result;
    }
}
