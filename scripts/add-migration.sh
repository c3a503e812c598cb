#!/usr/bin/env bash
# Generates a migration named $1 for every database provider, each into its own folder:
#   Data/Migrations/Sqlite       (SqliteAppDbContext)
#   Data/Migrations/PostgreSql   (PostgreSqlAppDbContext)
# Neither needs a running database. Usage: scripts/add-migration.sh <Name>
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/add-migration.sh <MigrationName>}"

dotnet tool restore >/dev/null
dotnet build ChunkUploader.Web --nologo -v q
for provider in Sqlite PostgreSql; do
  dotnet ef migrations add "$name" --no-build --project ChunkUploader.Web \
    --context "${provider}AppDbContext" --output-dir "Data/Migrations/$provider" --namespace "ChunkUploader.Web.Data.Migrations.$provider"
done
