# The Flask chunk receiver the guide describes, for the benchmark's comparison: every chunk its own file, a probe is
# "does that file exist", and the request that finds every chunk present joins them into the finished file.
# Written for this repository from the guide's description, with two changes its sample needs once 3 requests are in
# flight (the benchmark checks every stored file's SHA-256): a chunk is written under a temporary name and renamed, so
# that no request joins a half-written chunk, and only one request joins a file (a marker created exclusively).
# Like the guide's, it names the finished file by its file name alone: two files of one name overwrite each other.
# Run: RECEIVER_ROOT=<folder> gunicorn -w 2 --threads 4 -b 127.0.0.1:<port> --chdir bench/flask receiver:app
import os
import shutil
import uuid
from pathlib import Path

from flask import Flask, jsonify, request

ROOT = Path(os.environ.get("RECEIVER_ROOT", "./receiver-data"))
CHUNKS = ROOT / "chunks"
FILES = ROOT / "files"
CHUNKS.mkdir(parents=True, exist_ok=True)
FILES.mkdir(parents=True, exist_ok=True)

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024


def only(text, allowed):
    return "".join(c for c in text if c.isalnum() or c in allowed)


def chunk_file(identifier, number):
    return CHUNKS / f"{only(identifier, '-_')}.{number:06d}"


@app.get("/api/upload")
def probe():
    number = request.args.get("resumableChunkNumber", type=int)
    identifier = request.args.get("resumableIdentifier", "")
    if not number or not identifier:
        return "resumableChunkNumber and resumableIdentifier are required", 400
    return ("present", 200) if chunk_file(identifier, number).exists() else ("", 204)


@app.post("/api/upload")
def receive():
    number = request.form.get("resumableChunkNumber", type=int)
    total = request.form.get("resumableTotalChunks", type=int)
    identifier = request.form.get("resumableIdentifier", "")
    name = only(request.form.get("resumableFilename", ""), "-_.")
    body = request.files.get("file")
    if not number or not total or not identifier or not name or body is None:
        return "a chunk needs its number, the chunk count, the identifier, the file name and the file part", 400
    if not 1 <= number <= total:
        return "chunk number out of range", 400

    target = chunk_file(identifier, number)
    partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}")
    body.save(str(partial))
    os.replace(partial, target)

    if all(chunk_file(identifier, n).exists() for n in range(1, total + 1)) and claim_join(identifier):
        join(identifier, total, FILES / name)
        return jsonify(status="complete", filename=name)
    return jsonify(status="chunk_received")


def claim_join(identifier):
    try:
        os.close(os.open(CHUNKS / f"{only(identifier, '-_')}.joining", os.O_CREAT | os.O_EXCL))
        return True
    except FileExistsError:
        return False


def join(identifier, total, destination):
    with open(destination, "wb") as finished:
        for n in range(1, total + 1):
            with open(chunk_file(identifier, n), "rb") as chunk:
                shutil.copyfileobj(chunk, finished, 8192)
    for n in range(1, total + 1):
        chunk_file(identifier, n).unlink(missing_ok=True)
    (CHUNKS / f"{only(identifier, '-_')}.joining").unlink(missing_ok=True)
