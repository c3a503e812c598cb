using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChunkUploader.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CompletionMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "BytesPerSecond",
                table: "Uploads",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "DurationSeconds",
                table: "Uploads",
                type: "REAL",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Uploads_BytesPerSecond",
                table: "Uploads",
                column: "BytesPerSecond");

            migrationBuilder.CreateIndex(
                name: "IX_Uploads_DurationSeconds",
                table: "Uploads",
                column: "DurationSeconds");

            migrationBuilder.CreateIndex(
                name: "IX_Uploads_TotalSize",
                table: "Uploads",
                column: "TotalSize");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Uploads_BytesPerSecond",
                table: "Uploads");

            migrationBuilder.DropIndex(
                name: "IX_Uploads_DurationSeconds",
                table: "Uploads");

            migrationBuilder.DropIndex(
                name: "IX_Uploads_TotalSize",
                table: "Uploads");

            migrationBuilder.DropColumn(
                name: "BytesPerSecond",
                table: "Uploads");

            migrationBuilder.DropColumn(
                name: "DurationSeconds",
                table: "Uploads");
        }
    }
}
