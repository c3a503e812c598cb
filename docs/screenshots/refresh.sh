#!/usr/bin/env bash
# Refreshes the README's screenshots from the first-impression browser tests, which seed a week of uploads and
# shoot every main page in a non-UTC time zone. Needs Chromium (/usr/bin/chromium) and pngquant (apt-get install pngquant).
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=$(mktemp)
dotnet test ChunkUploader.Tests --filter "FullyQualifiedName~FirstImpressionsTests"
for name in landing-desktop login-desktop upload-desktop my-uploads-desktop my-uploads-phone all-uploads-desktop upload-details-desktop; do
    shot=$( (find ChunkUploader.Tests TestResults -name "$name.png" -newer "$stamp" 2>/dev/null || true) | head -n 1)
    [ -n "$shot" ] || { echo "no fresh $name.png" >&2; exit 1; }
    # 256 colours are plenty for flat UI; keeps each picture a few tens of KB.
    pngquant --quality=50-80 --speed 1 --strip --force --output "docs/screenshots/$name.png" "$shot"
done
rm -f "$stamp"
du -ch docs/screenshots/*.png | tail -n 1
