using System.Security.Claims;
using ChunkUploader.Web.Data;
using Microsoft.AspNetCore.Identity;

namespace ChunkUploader.Web.Controllers;

public static class UploadOwnership
{
    /// <summary>Whose uploads this user may open, download and delete: their own id, or null (anyone's) for an admin.</summary>
    public static string? OwnerScope(this UserManager<IdentityUser> users, ClaimsPrincipal user) =>
        user.IsInRole(Roles.Admin) ? null : users.GetUserId(user);
}
