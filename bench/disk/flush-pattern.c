// The app's durable write pattern without the app: 3 writers, each taking the next 1 MiB chunk of one 256 MiB file,
// writing it at its offset in 64 KiB pieces (optionally paced, as pieces arrive from a socket), then flushing it.
// Shows what per-chunk durability costs on this disk, whatever the server around it does.
//
//   gcc -O2 -o /tmp/flush-pattern bench/disk/flush-pattern.c -lpthread
//   /tmp/flush-pattern <flush> <prealloc> <pace-us> [directory]
//     flush:    0 fsync, 1 fdatasync, 2 sync_file_range(WRITE) every 256 KiB then fdatasync, 3 none,
//               4 fsync shared: a writer whose chunk is written joins the next fsync to start (group commit), so
//                 that writers finishing together share one (each still waits for a flush begun after its write)
//     prealloc: 0 none, 1 fallocate, 2 ftruncate (sparse)
//     pace-us:  sleep before each 64 KiB piece (350 spreads a chunk over ~6 ms, like the bare receiver's p50)
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { Writers = 3, Piece = 64 * 1024, Chunk = 1024 * 1024 };
static const long Total = 256L * 1024 * 1024;
static int flush_mode, pace_us, fd;
static atomic_long next_chunk;
static pthread_mutex_t group_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t group_done = PTHREAD_COND_INITIALIZER;
static long group_asked, group_flushed, group_flushes;
static int group_flushing;

// Returns once an fsync that began after this call has finished: whoever is free runs the next one, for every writer
// that asked before it began.
static void group_fsync(void)
{
    pthread_mutex_lock(&group_lock);
    long ticket = ++group_asked;
    while (group_flushed < ticket)
    {
        if (group_flushing) { pthread_cond_wait(&group_done, &group_lock); continue; }
        group_flushing = 1;
        long covers = group_asked;
        pthread_mutex_unlock(&group_lock);
        fsync(fd);
        pthread_mutex_lock(&group_lock);
        group_flushed = covers;
        group_flushing = 0;
        group_flushes++;
        pthread_cond_broadcast(&group_done);
    }
    pthread_mutex_unlock(&group_lock);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *writer(void *unused)
{
    (void)unused;
    char *piece = malloc(Piece);
    memset(piece, 7, Piece);
    for (long chunk; (chunk = atomic_fetch_add(&next_chunk, 1)) * Chunk < Total;)
    {
        long offset = chunk * Chunk;
        for (long done = 0; done < Chunk; done += Piece)
        {
            if (pace_us) usleep(pace_us);
            if (pwrite(fd, piece, Piece, offset + done) != Piece) { perror("pwrite"); exit(1); }
            if (flush_mode == 2 && (done + Piece) % (256 * 1024) == 0)
                sync_file_range(fd, offset + done + Piece - 256 * 1024, 256 * 1024, SYNC_FILE_RANGE_WRITE);
        }
        if (flush_mode == 0) fsync(fd);
        else if (flush_mode == 4) group_fsync();
        else if (flush_mode != 3) fdatasync(fd);
    }
    free(piece);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: %s <flush 0-4> <prealloc 0-2> <pace-us> [directory]\n", argv[0]); return 2; }
    flush_mode = atoi(argv[1]);
    int prealloc = atoi(argv[2]);
    pace_us = atoi(argv[3]);
    char path[4096];
    snprintf(path, sizeof path, "%s/flush-pattern.part", argc > 4 ? argv[4] : ".");
    fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0) { perror(path); return 1; }
    if (prealloc == 1 && fallocate(fd, 0, 0, Total) != 0) perror("fallocate");
    if (prealloc == 2 && ftruncate(fd, Total) != 0) perror("ftruncate");

    double started = now();
    pthread_t threads[Writers];
    for (int i = 0; i < Writers; i++) pthread_create(&threads[i], NULL, writer, NULL);
    for (int i = 0; i < Writers; i++) pthread_join(threads[i], NULL);
    printf("flush %d, prealloc %d, pace %d us: %.0f MiB/s", flush_mode, prealloc, pace_us, 256 / (now() - started));
    if (flush_mode == 4) printf(", %ld fsyncs for 256 chunks", group_flushes);
    printf("\n");
    close(fd);
    unlink(path);
    return 0;
}
