namespace ChunkUploader.Web.Data;

/// <summary>
/// The triggers that keep <see cref="UserUploadTotals"/> in step with <c>Uploads</c>, for each provider, and the
/// statement that fills the totals from the uploads already there. Migrations apply them; the status lists are
/// written out (a test holds them to <see cref="UploadStatuses"/>), since an applied migration must not change.
/// </summary>
/// <remarks>
/// A later migration that rebuilds <c>Uploads</c> on SQLite (EF does for most column changes) drops these triggers
/// with the table, and PostgreSQL refuses to alter a column they watch: such a migration must drop and create them again.
/// </remarks>
public static class UploadTotalsTriggers
{
    public const string Name = "Uploads_KeepUserTotals";

    public const string HeldStatuses = "'Receiving', 'Assembling', 'Complete'";
    public const string LiveStatuses = "'Receiving', 'Assembling'";

    private static string Held(string row) => $"""CASE WHEN {row}."Status" IN ({HeldStatuses}) THEN {row}."TotalSize" ELSE 0 END""";
    private static string Live(string row) => $"""CASE WHEN {row}."Status" IN ({LiveStatuses}) THEN 1 ELSE 0 END""";

    // Only the insert creates a totals row: a delete may come from the user's own removal, whose totals row goes too.
    private static string Subtract(string row) =>
        $"""UPDATE "UserUploadTotals" SET "BytesHeld" = "BytesHeld" - {Held(row)}, "UploadsLive" = "UploadsLive" - {Live(row)} WHERE "UserId" = {row}."UserId";""";

    private static string Add(string row) =>
        $"""UPDATE "UserUploadTotals" SET "BytesHeld" = "BytesHeld" + {Held(row)}, "UploadsLive" = "UploadsLive" + {Live(row)} WHERE "UserId" = {row}."UserId";""";

    /// <summary>
    /// Holds off other writers to <c>Uploads</c> until the migration commits: an instance still running the old
    /// version could otherwise change an upload between the backfill's read and the trigger's creation, a change neither
    /// would count. (On SQLite the migration's transaction already holds the only write lock.)
    /// </summary>
    public const string HoldWritersPostgreSql = "LOCK TABLE \"Uploads\" IN SHARE ROW EXCLUSIVE MODE;";

    public static readonly string Backfill = $"""
        INSERT INTO "UserUploadTotals" ("UserId", "BytesHeld", "UploadsLive")
        SELECT "UserId", SUM({Held("\"Uploads\"")}), SUM({Live("\"Uploads\"")}) FROM "Uploads" GROUP BY "UserId";
        """;

    public static readonly string CreateSqlite = $"""
        CREATE TRIGGER "{Name}_Insert" AFTER INSERT ON "Uploads"
        BEGIN
            INSERT OR IGNORE INTO "UserUploadTotals" ("UserId", "BytesHeld", "UploadsLive") VALUES (NEW."UserId", 0, 0);
            {Add("NEW")}
        END;
        CREATE TRIGGER "{Name}_Update" AFTER UPDATE OF "Status", "TotalSize", "UserId" ON "Uploads"
        BEGIN
            {Subtract("OLD")}
            INSERT OR IGNORE INTO "UserUploadTotals" ("UserId", "BytesHeld", "UploadsLive") VALUES (NEW."UserId", 0, 0);
            {Add("NEW")}
        END;
        CREATE TRIGGER "{Name}_Delete" AFTER DELETE ON "Uploads"
        BEGIN
            {Subtract("OLD")}
        END;
        """;

    public static readonly string DropSqlite = $"""
        DROP TRIGGER IF EXISTS "{Name}_Insert";
        DROP TRIGGER IF EXISTS "{Name}_Update";
        DROP TRIGGER IF EXISTS "{Name}_Delete";
        """;

    public static readonly string CreatePostgreSql = $$"""
        CREATE FUNCTION "{{Name}}"() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                {{Subtract("OLD")}}
            END IF;
            IF TG_OP <> 'DELETE' THEN
                INSERT INTO "UserUploadTotals" ("UserId", "BytesHeld", "UploadsLive") VALUES (NEW."UserId", 0, 0) ON CONFLICT ("UserId") DO NOTHING;
                {{Add("NEW")}}
            END IF;
            RETURN NULL;
        END
        $body$;
        CREATE TRIGGER "{{Name}}" AFTER INSERT OR DELETE OR UPDATE OF "Status", "TotalSize", "UserId" ON "Uploads"
            FOR EACH ROW EXECUTE FUNCTION "{{Name}}"();
        """;

    public static readonly string DropPostgreSql = $"""
        DROP TRIGGER IF EXISTS "{Name}" ON "Uploads";
        DROP FUNCTION IF EXISTS "{Name}"();
        """;
}
