namespace ChunkUploader.Web.Data;

public static class Roles
{
    public const string Admin = "Admin";
}
