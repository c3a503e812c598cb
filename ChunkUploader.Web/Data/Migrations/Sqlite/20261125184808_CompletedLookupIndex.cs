using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChunkUploader.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CompletedLookupIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Uploads_UserId_Identifier_Status",
                table: "Uploads",
                columns: new[] { "UserId", "Identifier", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Uploads_UserId_Identifier_Status",
                table: "Uploads");
        }
    }
}
