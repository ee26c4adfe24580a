/* The owner of an archive (archive_internal.h): exactly one run creates or resumes a given
 * archive at a time.
 *
 * Rank 0 holds an exclusive flock on ARCHIVE.lock, a small file next to the archive that holds
 * the owner's host, process id and start.  A separate file, not the archive: the archive itself
 * keeps its shared lock (handle.c) so that readers with HDF5's own locking can open it during a
 * run, and the MPI-IO driver takes no lock that could stand in.  The lock is taken before any
 * collective HDF5 call, so a second run that loses touches neither the archive nor its temporary
 * name.  The kernel drops the lock when the owner dies: a killed run leaves at most a stale
 * ARCHIVE.lock, which the next run takes over.  Best effort on file systems without flock. */
/* flock(2) is BSD, not POSIX. */
#define _DEFAULT_SOURCE 1

#include "archive_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define OWNER_TEXT_LEN 400

/* The owner's description as stored in the lock file (trailing newline removed). */
static void read_owner(int fd, char *buf, size_t len)
{
    ssize_t n = pread(fd, buf, len - 1, 0);
    buf[n > 0 ? (size_t)n : 0] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl) *nl = '\0';
    if (!buf[0]) snprintf(buf, len, "owner unknown: it has not written its name yet");
}

rc_status rc_ar_owner_acquire(const char *path, const char *date, int *fd_out, char **lock_out,
                              rc_error *err)
{
    *fd_out = -1;
    *lock_out = NULL;
    char *lock = malloc(strlen(path) + 8);
    if (!lock) return rc_fail(err, RC_ERR_NOMEM, "out of memory");
    sprintf(lock, "%s.lock", path);
    /* A previous owner removes its lock file when it is done: a file taken over between our
     * open and our flock may no longer be the one at lock, so it is checked and retried. */
    for (int attempt = 0; attempt < 100; ++attempt) {
        int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            const int e = errno;
            free(lock);
            if (e == EROFS || e == EACCES)
                return rc_fail(err, RC_ERR_INPUT, "%s: the archive's directory is read-only "
                               "(cannot create %s.lock: %s): a run writes there", path, path,
                               strerror(e));
            /* a location that cannot hold files (a pseudo-file system such as /proc, a path
             * through a regular file): the output option is wrong, not the run */
            if (e == ENOENT || e == ENOTDIR || e == EPERM || e == ENAMETOOLONG || e == EISDIR)
                return rc_fail(err, RC_ERR_INPUT, "%s: cannot create files there (%s.lock: %s): "
                               "choose another output", path, path, strerror(e));
            return rc_fail(err, RC_ERR_IO, "%s: cannot take ownership of the archive: %s.lock: "
                           "%s", path, path, strerror(e));
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int e = errno;
            if (e == EWOULDBLOCK) {
                char owner[OWNER_TEXT_LEN];
                read_owner(fd, owner, sizeof owner);
                close(fd);
                free(lock);
                return rc_fail(err, RC_ERR_INPUT, "%s is in use by another run (%s): wait for it "
                               "to finish (then --resume), or choose another -o", path, owner);
            }
            /* no flock on this file system: go on without an owner, as before */
            close(fd);
            unlink(lock);
            free(lock);
            return RC_OK;
        }
        struct stat held, now;
        if (fstat(fd, &held) != 0 || stat(lock, &now) != 0 || held.st_ino != now.st_ino ||
            held.st_dev != now.st_dev) {
            close(fd);
            continue;
        }
        char host[128] = "?";
        gethostname(host, sizeof host - 1);
        char text[OWNER_TEXT_LEN];
        const int n = snprintf(text, sizeof text, "process %ld on host %s, started %s\n",
                               (long)getpid(), host, date ? date : "?");
        if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
            /* the lock holds even if its description could not be written */
        }
        *fd_out = fd;
        *lock_out = lock;
        return RC_OK;
    }
    free(lock);
    return rc_fail(err, RC_ERR_IO, "%s: cannot take ownership of the archive: %s.lock keeps "
                   "changing", path, path);
}

void rc_ar_owner_release(int fd, char *lock)
{
    /* removed while still held: a run that opened it meanwhile sees another file at the name
     * once it gets the lock, and starts again (rc_ar_owner_acquire) */
    if (fd >= 0 && lock) unlink(lock);
    if (fd >= 0) close(fd);
    free(lock);
}
