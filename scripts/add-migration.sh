#!/usr/bin/env bash
# Generates a migration named $1 for every database provider, each into its own folder:
#   Data/Migrations/Sqlite       (SqliteAppDbContext)
#   Data/Migrations/PostgreSql   (PostgreSqlAppDbContext)
# The model comes from the app's own service provider (Identity's options shape it, e.g. 128-character keys), so
# the app is configured for each provider in turn; generating a migration never connects to a database.
# Usage: scripts/add-migration.sh <Name>
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/add-migration.sh <MigrationName>}"

dotnet tool restore >/dev/null
dotnet build ChunkUploader.Web --nologo -v q
Database__Provider=Sqlite ConnectionStrings__Default="Data Source=data/chunkuploader.db" \
  dotnet ef migrations add "$name" --no-build --project ChunkUploader.Web --context SqliteAppDbContext --output-dir Data/Migrations/Sqlite
Database__Provider=PostgreSQL ConnectionStrings__Default="Host=localhost;Database=chunkuploader" \
  dotnet ef migrations add "$name" --no-build --project ChunkUploader.Web --context PostgreSqlAppDbContext --output-dir Data/Migrations/PostgreSql
