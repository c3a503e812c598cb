using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChunkUploader.Web.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class UserUploadTotals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "UserUploadTotals",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    BytesHeld = table.Column<long>(type: "bigint", nullable: false),
                    UploadsLive = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UserUploadTotals", x => x.UserId);
                    table.ForeignKey(
                        name: "FK_UserUploadTotals_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Totals for the uploads already there, then the triggers that keep them from now on, with no write between.
            migrationBuilder.Sql(UploadTotalsTriggers.HoldWritersPostgreSql);
            migrationBuilder.Sql(UploadTotalsTriggers.Backfill);
            migrationBuilder.Sql(UploadTotalsTriggers.CreatePostgreSql);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(UploadTotalsTriggers.DropPostgreSql);
            migrationBuilder.DropTable(
                name: "UserUploadTotals");
        }
    }
}
