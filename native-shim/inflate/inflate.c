/* inflate.c - minibox-inflate: a gzip layer on stdin → its tar, through ISA-L's igzip.
 *
 * A program of its own, not a minibox-shim subcommand: the shim is linked statically and
 * Debian ships libisal only as a shared library. Built only where libisal-dev is (see the
 * Makefile); without it minibox inflates layers with Node's zlib (src/layer/inflate-native.ts).
 * It lives outside src/ so that the shim's build (and its freshness check) ignore it.
 *
 * It runs on the second core while Node parses the tar and writes files, and it also
 * takes the sha256 of the tar (the layer's diffID) off Node's thread.
 *
 * The sha256 stays on the inflating thread on purpose. Tried 2026-12-03: a hash thread
 * behind the inflate (a ring of 4 output buffers) cut this program's own time on the
 * bench's 102 MB layer from ~250 to ~225 ms, but the whole extraction got slower (in-process
 * 400 vs 369 ms median of 7): on 2 cores a third busy thread takes its time from Node's,
 * which makes the files and is the bottleneck.
 *
 * Protocol (fd 3 is a socket to the parent, one line per message):
 *   child → parent  "pipe <fd>\n"   the tar comes out of a pipe this program made; the
 *                                   parent opens /proc/<pid>/fd/<fd> for reading (a
 *                                   blocking pipe it can read into buffers of its own,
 *                                   which a Node child stdout cannot give)
 *   parent → child  any byte        "opened": the child may close its read end and start
 *   child → parent  "ok sha256:<hex> <bytes>\n" after the last byte, then exit 0
 *                   "error <kind> <message>\n", then exit 1; kind: data (corrupt or
 *                   truncated gzip), read (the blob), write (the pipe), internal
 *   minibox-inflate --probe  prints "isal\n" and exits 0 (the library loads).
 *
 * Several gzip members follow each other as one stream; zero bytes after a member are
 * padding and ignored; anything else must start another member (as Node's gunzip does).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>

#define CTL_FD 3
#define IN_BYTES (1u << 20)
#define OUT_BYTES (1u << 20)
/* The tar pipe's capacity: Node's reads then come in large pieces. */
#define PIPE_BYTES (1 << 20)

static void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        /* cut, but still one line: the parent reads up to the newline */
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    /* best effort: the parent may already be gone */
    if (write(CTL_FD, line, (size_t)n) < 0)
        return;
}

static int fail(const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    say("error %s\n", msg);
    return 1;
}

static const char *isal_message(int r)
{
    switch (r) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check (not a gzip member)";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check (crc or length mismatch)";
    case ISAL_NEED_DICT: return "stream needs a preset dictionary";
    default: return "inflate failed";
    }
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The output pipe, announced to the parent; returns its write end or -1. */
static int open_output(void)
{
    int fds[2];
    char go;
    ssize_t n;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    /* best effort: a smaller pipe only means smaller reads */
    (void)fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES);
    say("pipe %d\n", fds[0]);
    do
        n = read(CTL_FD, &go, 1);
    while (n < 0 && errno == EINTR);
    /* The parent holds the read end now (or is gone: writes fail with EPIPE). */
    close(fds[0]);
    if (n != 1) {
        close(fds[1]);
        errno = EPIPE;
        return -1;
    }
    return fds[1];
}

/* Inflate fd 0 into `out_fd`, hashing what is written; 0 or 1 (after saying why). */
static int inflate_stream(int out_fd, EVP_MD_CTX *md, uint64_t *total)
{
    static struct inflate_state st;
    static uint8_t in[IN_BYTES], out[OUT_BYTES];
    int eof = 0, between = 0; /* between: a member ended, the next not begun */

    isal_inflate_init(&st);
    st.crc_flag = ISAL_GZIP;
    st.avail_in = 0;
    for (;;) {
        size_t used;
        uint32_t before;
        int r;

        if (st.avail_in == 0 && !eof) {
            ssize_t n = read(0, in, sizeof(in));

            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return fail("read %s", strerror(errno));
            }
            eof = n == 0;
            st.next_in = in;
            st.avail_in = (uint32_t)n;
        }
        if (between) {
            while (st.avail_in > 0 && *st.next_in == 0) {
                st.next_in++;
                st.avail_in--;
            }
            if (st.avail_in == 0) {
                if (eof)
                    return 0;
                continue;
            }
            isal_inflate_reset(&st);
            st.crc_flag = ISAL_GZIP;
            between = 0;
        }
        if (st.avail_in == 0 && eof)
            return fail("data unexpected end of file");
        st.next_out = out;
        st.avail_out = sizeof(out);
        before = st.avail_in;
        r = isal_inflate(&st);
        if (r < 0 || r == ISAL_NEED_DICT)
            return fail("data %s", isal_message(r));
        used = sizeof(out) - st.avail_out;
        /* Never spin: a call takes input or gives output unless the member is over. */
        if (used == 0 && st.avail_in == before && before > 0 && st.block_state != ISAL_BLOCK_FINISH)
            return fail("internal inflate made no progress");
        if (used > 0) {
            if (EVP_DigestUpdate(md, out, used) != 1)
                return fail("internal sha256 failed");
            if (write_all(out_fd, out, used) < 0)
                return fail("write %s", strerror(errno));
            *total += used;
        }
        if (st.block_state == ISAL_BLOCK_FINISH)
            between = 1;
    }
}

static int run(void)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    unsigned int len = 0, i;
    uint64_t total = 0;
    int out_fd, code;

    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        return fail("internal sha256 unavailable");
    out_fd = open_output();
    if (out_fd < 0) {
        EVP_MD_CTX_free(md);
        return fail("internal making the output pipe: %s", strerror(errno));
    }
    code = inflate_stream(out_fd, md, &total);
    /* The parent sees the tar's end (EOF) before it reads the verdict. */
    close(out_fd);
    if (code == 0 && EVP_DigestFinal_ex(md, digest, &len) != 1)
        code = fail("internal sha256 failed");
    EVP_MD_CTX_free(md);
    if (code != 0)
        return code;
    for (i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    say("ok sha256:%s %llu\n", hex, (unsigned long long)total);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
        puts("isal");
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: minibox-inflate [--probe] (gzip on stdin, control on fd 3)\n");
        return 2;
    }
    if (fcntl(CTL_FD, F_GETFD) < 0) {
        fprintf(stderr, "minibox-inflate: fd 3 (the control socket) is not open\n");
        return 2;
    }
    /* Never outlive the minibox that started it (it would block on a full pipe). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* A closed pipe is an error to report, not a signal to die of. */
    signal(SIGPIPE, SIG_IGN);
    return run();
}
