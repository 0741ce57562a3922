/*
 * spm-fork-server: starts coprocesses for one owner thread of @spm/coprocess, so the owner (a
 * Node.js thread) never forks per command. Built on first use by fork-server.ts with the
 * machine's C compiler; when there is none, @spm/coprocess spawns from Node instead.
 *
 * Protocol. Owner -> server on stdin, and server -> owner on stdout, are frames of a 4-byte
 * big-endian length and a payload.
 *   owner:  "R\0id\0cwd\0cookie\0limit\0grace\0sig\0n\0env1..envn\0file\0arg1\0..."
 *                                      run (n "-": the env of the run frame received last,
 *                                      started or not); limit: ms from its start
 *                                      after which its group gets signal `sig` (a number: the
 *                                      first of the owner's kill sequence, SIGTERM by default),
 *                                      then SIGKILL `grace` ms later ("0": no limit)
 *           "A\0after\0id\0cwd\0..."   run as "R" does, once run `after` has exited (its
 *                                      leader reaped): at once if it has already, or is unknown
 *           "I\0id\0bytes"      the program of run `id`, whose "R" or "A" is the next frame,
 *                                reads `bytes` (any bytes, NUL too: the rest of the frame) on
 *                                its stdin, a pipe closed once they are written (or the program
 *                                closed its end); without it, stdin is /dev/null
 *           "P\0id\0offset\0length\0path"   then (after "I"'s bytes, if any; before the
 *                                run's "R" or "A") bytes offset to offset+length of file
 *                                `path`, opened when the program starts ('F' "errno 1" if it
 *                                cannot be) and copied into the pipe as the program reads it
 *                                (splice; pread and write where splice is refused); a file
 *                                shorter than the range ends the input where it ends
 *           "D\0id"                       drop a run still waiting (an "A"): answered 'K'; a run
 *                                      already started goes on (its 'S' is on the way)
 *           "Z\0id"                                               close the run's pipes now
 *           "H\0id" / "U\0id"   hold / unhold the run's output: while held, its pipes are not
 *                                read (the program blocks writing once a pipe is full, as on a
 *                                slow terminal) — except what is there when its leader is
 *                                reaped; an unknown id is ignored
 *           "N\0id"              no limit for the run after all: the owner is killing it itself
 *           "T\0id\0grace\0pgid1\0..."   the owner has just sent its first signal to these groups of the
 *                                run (its own, escapees') itself (an abort, a kill, its own
 *                                timer): no limit any more, SIGKILL to each `grace` ms from now
 *                                (as after a limit), and no second SIGTERM from a sweep if the
 *                                owner dies meanwhile. A group with no run record (the leader
 *                                is reported and forgotten, an escapee's) gets one that lingers
 *                                until that SIGKILL.
 *           "Q"                  quit: the owner lives on (this server was idle), so only
 *                                this server's own trees and children are swept, not the
 *                                processes of the owner's other servers that carry its token
 *           end-of-file                                           sweep every tree, exit
 *   server: type (1 byte), id (4 bytes BE), data:
 *           'H' hello "subreaper=0|1"   'S' started "pid real mono"   'F' failed "errno" (or "errno 1": its "P" file)
 *           'O' stdout bytes   'E' stderr bytes
 *           'X' exited "code signal clean eof mono"   'C' both pipes of an exited run closed
 *           'L' the run's limit passed: its group got its limit signal (SIGKILL follows after the grace)
 *           'K' a waiting run was dropped (never started)
 * "real" is the start on CLOCK_REALTIME, "mono" the start and the reap on CLOCK_MONOTONIC, both
 * in seconds with microseconds ("1763720000.123456"), the start read just before the spawn: a
 * run's times are the server's, right even when the owner's thread was busy as the server
 * started or reaped it.
 * "clean" means the server, a child subreaper, had no child at all after reaping the leader:
 * nothing the program started is alive (every orphan of the tree is re-parented to us).
 * A run's limit is enforced here, on the server's clock, so that it holds even when the owner's
 * thread is busy or blocked past it; 'L' tells the owner, which then signals the rest of the tree
 * (processes that left the group) and not the group a second time.
 * A waiting run ("A") starts in the same pass that reaps the run it waits for, after that run's
 * 'X' (whose "clean" is told first): one run's exit to the next one's start involves no round
 * trip to the owner. Runs waiting on the same run start in the order they came. Before waiting
 * runs start, whatever the owner has written is read: a "D" it sent before killing the running
 * one (an abort of the whole lane) is always seen first. A dropped run's followers wait for
 * what it waited for.
 *
 * When stdin closes (the owner exited or was killed, even by SIGKILL), every live tree gets
 * SIGTERM — groups of live leaders, our children (orphans), processes carrying the owner's
 * token — then SIGKILL after the grace period, until none is left; then the server exits.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_OUT_QUEUE (4u << 20)

/* A program's stdin data ("I", then "P"'s file range), owned by whoever holds the pointer. */
struct input {
  char *file_path; /* "P": its file, opened at launch; NULL: none */
  int file_fd; /* ... once opened; -1 before, or when done */
  int no_splice; /* splice was refused (EINVAL: a file system without it): pread and write */
  unsigned long long file_off, file_left;
  size_t len;
  unsigned char bytes[];
};

static struct input *new_input(size_t len) {
  struct input *in = malloc(offsetof(struct input, bytes) + len);
  if (in == NULL) _exit(70);
  in->file_path = NULL;
  in->file_fd = -1;
  in->no_splice = 0;
  in->file_off = 0;
  in->file_left = 0;
  in->len = len;
  return in;
}

static void free_input(struct input *in) {
  if (in == NULL) return;
  if (in->file_fd >= 0) close(in->file_fd);
  free(in->file_path);
  free(in);
}

struct run {
  uint32_t id;
  pid_t pid;
  int fd[2]; /* stdout, stderr read ends; -1 when closed */
  int exited; /* 0 running, -1 reaped (not yet reported), 1 reported */
  int status;
  long long deadline; /* CLOCK_MONOTONIC ms at which the group gets its limit signal; 0: none (or done) */
  long long kill_at; /* ... and then SIGKILL; 0: none */
  long grace_ms;
  int limit_signal; /* what the group gets at the deadline */
  int lingering; /* reported and closed, kept only for its SIGKILL (see forget) */
  struct input *in; /* its input ("I") while it is being written, from in_off on; NULL: none (any more) */
  size_t in_off;
  int in_fd; /* ... to the write end of the program's stdin pipe */
  int held; /* "H": its pipes are not polled until "U" */
  struct run *next;
};

static struct run *runs;

/* The "I" just read, for the "R" or "A" of its run that comes next. */
static struct input *pending_input;
static uint32_t pending_input_id;

struct envset;

/* A run sent with "A", waiting for run `after` to exit: its "R" fields, kept as they came. */
struct waiting {
  uint32_t id;
  uint32_t after;
  unsigned char *fields; /* NUL-separated, with room for one more byte */
  size_t len;
  struct input *input; /* its "I", if it came with one */
  struct envset *env;  /* its environment, as it was when the frame came */
  struct waiting *next;
  struct waiting *same_bucket; /* the next in its bucket of waiting_index */
};
static struct waiting *waiting, **waiting_tail = &waiting;
/*
 * The waiting runs by id, for is_waiting(): every pass asks it once per waiting run, and a lane
 * may have thousands waiting (an owner that hands out a whole list at once), so a scan of the
 * list there made each pass quadratic. A power-of-two count of buckets, at least one per run.
 */
static struct waiting **waiting_index;
static size_t waiting_buckets, waiting_count;
/*
 * Runs dropped while waiting, and what each waited for: an "A" that names one waits for that
 * instead (the owner may ask for a lane's next run before it hears the 'K'). A ring: entries
 * older than DROPPED_KEPT refer to runs long gone.
 */
#define DROPPED_KEPT 1024
static struct { uint32_t id, after; } dropped[DROPPED_KEPT];
static size_t dropped_next, dropped_count;

static uint32_t past_dropped(uint32_t after) {
  if (dropped_count == 0) return after; /* the common case: nothing ever dropped */
  for (size_t hops = 0; hops < DROPPED_KEPT; hops++) {
    size_t i = 0;
    while (i < DROPPED_KEPT && !(dropped[i].id == after && after != 0)) i++;
    if (i == DROPPED_KEPT) return after;
    after = dropped[i].after;
  }
  return after;
}

/* Cleared when stdin reaches end-of-file (the owner is gone): nothing waiting starts after that. */
static int stdin_open = 1;
static const char *token = "";
static int grace = 2;
static int subreaper;
/*
 * An environment, shared by the runs given it: a frame with "-" names the one of the run frame
 * received before it. Kept by reference, since a waiting run ("A") may be dropped before it
 * starts: the next frame's "-" still means the dropped run's environment, as its owner sent it.
 */
struct envset {
  size_t refs, n;
  char **vars;
};
/* The environment of the last run frame received ("R" or "A"): what "-" means. */
static struct envset *env_recv;

static unsigned char *outq;
static size_t outq_len, outq_cap;
/*
 * Set while the queue holds only 'S' (started) frames: they wait up to START_DELAY_MS for the
 * next frame (a short command's output and exit), so the owner is woken once per command, not
 * twice. Anything else queued, or the delay passing, flushes them.
 */
static int only_started;
#define START_DELAY_MS 2
static unsigned char *inq;
static size_t inq_len, inq_cap;

static void grow(unsigned char **buf, size_t *cap, size_t need) {
  if (need <= *cap) return;
  size_t cap2 = *cap ? *cap : 65536;
  while (cap2 < need) cap2 *= 2;
  unsigned char *b = realloc(*buf, cap2);
  if (b == NULL) _exit(70);
  *buf = b;
  *cap = cap2;
}

static void emit(char type, uint32_t id, const void *data, size_t len) {
  only_started = type == 'S' && (outq_len == 0 || only_started);
  grow(&outq, &outq_cap, outq_len + 9 + len);
  uint32_t total = (uint32_t)(5 + len);
  unsigned char *p = outq + outq_len;
  p[0] = total >> 24; p[1] = total >> 16; p[2] = total >> 8; p[3] = total;
  p[4] = (unsigned char)type;
  p[5] = id >> 24; p[6] = id >> 16; p[7] = id >> 8; p[8] = id;
  if (len) memcpy(p + 9, data, len);
  outq_len += 9 + len;
}

static void emitf(char type, uint32_t id, const char *fmt, long a, long b, long c, long d) {
  char text[96];
  int n = snprintf(text, sizeof text, fmt, a, b, c, d);
  emit(type, id, text, (size_t)n);
}

/* CLOCK_MONOTONIC in ms. */
static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A reading of a clock as "seconds.microseconds". */
static int timespec_text(const struct timespec *ts, char *out, size_t size) {
  return snprintf(out, size, "%ld.%06ld", (long)ts->tv_sec, ts->tv_nsec / 1000);
}

/* A clock's reading now as "seconds.microseconds". */
static int clock_text(clockid_t clock, char *out, size_t size) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return timespec_text(&ts, out, size);
}

static void sweep_and_exit(void);

static void flush_out(int block) {
  while (outq_len > 0) {
    ssize_t n = write(1, outq, outq_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN && block) {
        struct pollfd p = {1, POLLOUT, 0};
        poll(&p, 1, 1000);
        continue;
      }
      if (errno == EAGAIN) return;
      outq_len = 0; /* the owner is gone */
      sweep_and_exit();
    }
    memmove(outq, outq + n, outq_len - (size_t)n);
    outq_len -= (size_t)n;
  }
}

static struct run *find(uint32_t id) {
  for (struct run *r = runs; r; r = r->next)
    if (r->id == id) return r;
  return NULL;
}

static void close_input(struct run *r);

/*
 * Forgets a run whose leader is reported and whose pipes are closed — unless its limit's SIGKILL
 * is still to come and its group lives on (members that ignore SIGTERM, with their output
 * closed): then it lingers, without pipes, until that SIGKILL, so that the limit holds while the
 * owner's thread is blocked.
 */
static void forget(struct run *gone) {
  /* Its leader is reported and its output closed: whoever still reads its stdin is swept. */
  close_input(gone);
  if (gone->kill_at && kill(-gone->pid, 0) == 0) {
    gone->lingering = 1;
    return;
  }
  for (struct run **p = &runs; *p; p = &(*p)->next)
    if (*p == gone) {
      *p = gone->next;
      free(gone);
      return;
    }
}

static void close_stream(struct run *r, int which) {
  if (r->fd[which] < 0) return;
  close(r->fd[which]);
  r->fd[which] = -1;
  if (r->exited == 1 && r->fd[0] < 0 && r->fd[1] < 0) {
    emit('C', r->id, NULL, 0);
    forget(r);
  }
}

/* Reads what is there now (until EAGAIN or end-of-file); may forget the run (see close_stream). */
static void drain(struct run *r, int which) {
  static unsigned char buf[65536];
  while (r->fd[which] >= 0) {
    ssize_t n = read(r->fd[which], buf, sizeof buf);
    if (n > 0) {
      emit(which == 0 ? 'O' : 'E', r->id, buf, (size_t)n);
      if (outq_len > MAX_OUT_QUEUE) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_stream(r, which);
    return;
  }
}

static void close_input(struct run *r) {
  if (r->in == NULL) return;
  close(r->in_fd);
  free_input(r->in);
  r->in = NULL;
}

/* Writes what the program's stdin pipe takes now — the bytes, then the file range; closes it
   once all is written, or when the program no longer reads it (EPIPE: its business, as a
   program that ignores its input), or a read of the file fails (its input ends there). */
static void feed_input(struct run *r) {
  struct input *in = r->in;
  if (in == NULL) return;
  while (r->in_off < in->len) {
    ssize_t n = write(r->in_fd, in->bytes + r->in_off, in->len - r->in_off);
    if (n > 0) {
      r->in_off += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_input(r);
    return;
  }
  while (in->file_fd >= 0 && in->file_left > 0) {
    size_t want = in->file_left < (1u << 20) ? (size_t)in->file_left : (1u << 20);
    ssize_t n;
    if (!in->no_splice) {
      loff_t off = (loff_t)in->file_off;
      n = splice(in->file_fd, &off, r->in_fd, NULL, want, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
      if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
        in->no_splice = 1;
        continue;
      }
    } else {
      static unsigned char buf[1 << 16];
      if (want > sizeof buf) want = sizeof buf;
      n = pread(in->file_fd, buf, want, (off_t)in->file_off);
      /* What the pipe does not take now is read again next time. */
      if (n > 0) n = write(r->in_fd, buf, (size_t)n);
    }
    if (n > 0) {
      in->file_off += (unsigned long long)n;
      in->file_left -= (unsigned long long)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    break; /* the file ended before the range (0), or an error */
  }
  close_input(r);
}

/* Takes the pending "I" if it is run `id`'s; one for another run (never sent so) is dropped. */
static struct input *take_input(uint32_t id) {
  struct input *in = pending_input;
  pending_input = NULL;
  if (in != NULL && pending_input_id != id) {
    free_input(in);
    in = NULL;
  }
  return in;
}

static char **build_env(const struct envset *env, const char *cookie) {
  char **envp = calloc(env->n + 2, sizeof *envp);
  if (envp == NULL) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < env->n; i++)
    if (strncmp(env->vars[i], "SPM_COPROCESS=", 14) != 0) envp[k++] = env->vars[i];
  size_t len = strlen(cookie) + 15;
  char *var = malloc(len);
  if (var == NULL) { free(envp); return NULL; }
  snprintf(var, len, "SPM_COPROCESS=%s", cookie);
  envp[k++] = var;
  envp[k] = NULL;
  return envp;
}

static struct envset *envset_new(char **fields, size_t n) {
  struct envset *e = calloc(1, sizeof *e);
  if (e == NULL) _exit(70);
  e->vars = calloc(n + 1, sizeof *e->vars);
  if (e->vars == NULL) _exit(70);
  for (size_t i = 0; i < n; i++)
    if ((e->vars[i] = strdup(fields[i])) == NULL) _exit(70);
  e->n = n;
  e->refs = 1;
  return e;
}

static void envset_unref(struct envset *e) {
  if (e == NULL || --e->refs > 0) return;
  for (size_t i = 0; i < e->n; i++) free(e->vars[i]);
  free(e->vars);
  free(e);
}

/*
 * The environment a run frame's fields `f` (id cwd cookie limit grace sig n env... file
 * args...) give its run, a reference of its own: its own "n env...", which becomes what "-"
 * means from now on, or with "-" the last one received. NULL when the fields are malformed.
 */
static struct envset *frame_env(char **f, size_t nf) {
  if (nf < 8) return NULL;
  if (strcmp(f[6], "-") == 0) {
    env_recv->refs++;
    return env_recv;
  }
  char *end;
  size_t n = (size_t)strtoul(f[6], &end, 10);
  if (*end != 0 || f[6][0] == 0 || 7 + n >= nf) return NULL;
  envset_unref(env_recv);
  env_recv = envset_new(f + 7, n);
  env_recv->refs++;
  return env_recv;
}

/*
 * The file a PATH search for `name` finds (execvp's: the first executable regular file of the
 * `path` directories; `name` itself when it holds a slash), in `buf`; NULL when there is none.
 */
static const char *search_path(const char *name, const char *path, char *buf, size_t size) {
  if (strchr(name, '/') != NULL) return name;
  for (const char *p = path;;) {
    const char *colon = strchr(p, ':');
    size_t len = colon != NULL ? (size_t)(colon - p) : strlen(p);
    int n = len == 0 ? snprintf(buf, size, "%s", name) : snprintf(buf, size, "%.*s/%s", (int)len, p, name);
    struct stat st;
    if (n > 0 && (size_t)n < size && access(buf, X_OK) == 0 && stat(buf, &st) == 0 && S_ISREG(st.st_mode)) return buf;
    if (colon == NULL) return NULL;
    p = colon + 1;
  }
}

static const char *env_path(const struct envset *env) {
  for (size_t i = 0; i < env->n; i++)
    if (strncmp(env->vars[i], "PATH=", 5) == 0) return env->vars[i] + 5;
  return "/usr/local/bin:/usr/bin:/bin";
}

/*
 * Starts a run of fields `f` (see frame_env) whose environment is `env` (given with a reference:
 * released here); `input` (its "I", or NULL: stdin is /dev/null) is the run's from here on. A
 * malformed frame (`env` NULL, no program) fails its run: 'F' with EINVAL, never silence, which
 * left its owner waiting forever.
 */
static void start_run(char **f, size_t nf, size_t at, struct input *input, const struct envset *env);

static void launch(char **f, size_t nf, struct input *input, struct envset *env) {
  if (nf < 1) { free_input(input); envset_unref(env); return; }
  uint32_t id = (uint32_t)strtoul(f[0], NULL, 10);
  size_t at = 0;
  if (env != NULL) at = strcmp(f[6], "-") == 0 ? 7 : 7 + (size_t)strtoul(f[6], NULL, 10);
  if (env == NULL || at >= nf) {
    free_input(input);
    envset_unref(env);
    emitf('F', id, "%ld", EINVAL, 0, 0, 0);
    return;
  }
  start_run(f, nf, at, input, env);
  envset_unref(env);
}

/* launch()'s spawn: fields `f` with the program's argv from `at`, in `env` (borrowed). */
static void start_run(char **f, size_t nf, size_t at, struct input *input, const struct envset *env) {
  uint32_t id = (uint32_t)strtoul(f[0], NULL, 10);
  const char *cwd = f[1];
  const char *cookie = f[2];
  long long limit = strtoll(f[3], NULL, 10);
  long grace_ms = strtol(f[4], NULL, 10);
  int limit_signal = atoi(f[5]);
  char **argv = f + at;
  f[nf] = NULL; /* the caller leaves room */
  if (input != NULL && input->file_path != NULL) {
    input->file_fd = open(input->file_path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    /* A directory opens, and then cannot be read: refused, not an empty input. */
    if (input->file_fd >= 0 && fstat(input->file_fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      close(input->file_fd);
      input->file_fd = -1;
      errno = EISDIR;
    }
    if (input->file_fd < 0) {
      int e = errno;
      free_input(input);
      emitf('F', id, "%ld 1", e, 0, 0, 0);
      return;
    }
  }
  int out[2], err[2], in[2] = {-1, -1};
  if (input != NULL && pipe2(in, O_CLOEXEC) < 0) { int e = errno; free_input(input); emitf('F', id, "%ld", e, 0, 0, 0); return; }
  if (pipe2(out, O_CLOEXEC) < 0) {
    int e = errno;
    if (input != NULL) { close(in[0]); close(in[1]); free_input(input); }
    emitf('F', id, "%ld", e, 0, 0, 0);
    return;
  }
  if (pipe2(err, O_CLOEXEC) < 0) {
    int e = errno;
    close(out[0]); close(out[1]);
    if (input != NULL) { close(in[0]); close(in[1]); free_input(input); }
    emitf('F', id, "%ld", e, 0, 0, 0);
    return;
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at2;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at2);
  if (cwd[0] != '\0') posix_spawn_file_actions_addchdir_np(&fa, cwd);
  if (input != NULL) posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&at2, &none);
  posix_spawnattr_setsigdefault(&at2, &all);
  posix_spawnattr_setflags(&at2, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  char **envp = build_env(env, cookie);
  pid_t pid = -1;
  int rc = ENOMEM;
  /* The start is read before the spawn, not after: once the child has exec'd, this process may
     not run again until the program has ended (a busy machine), and a reading taken then made a
     run of `true` last 14 µs. */
  struct timespec began_real, began_mono;
  clock_gettime(CLOCK_REALTIME, &began_real);
  clock_gettime(CLOCK_MONOTONIC, &began_mono);
  if (envp != NULL) {
    /* posix_spawnp searches the PATH of our environment: give it the program's. */
    setenv("PATH", env_path(env), 1);
    rc = posix_spawnp(&pid, argv[0], &fa, &at2, argv, envp);
    if (rc == ENOEXEC) {
      /* A file without "#!" is a shell script to execvp, and so to Node's spawn: run by
         /bin/sh here too (posix_spawnp does not), so both launchers run it alike. */
      char found[4096];
      const char *file = search_path(argv[0], env_path(env), found, sizeof found);
      size_t argc = nf - at;
      char **shell_argv = file != NULL ? calloc(argc + 2, sizeof *shell_argv) : NULL;
      if (shell_argv != NULL) {
        shell_argv[0] = "/bin/sh";
        shell_argv[1] = (char *)file;
        for (size_t i = 1; i < argc; i++) shell_argv[i + 1] = argv[i];
        rc = posix_spawn(&pid, "/bin/sh", &fa, &at2, shell_argv, envp);
        free(shell_argv);
      }
    }
    for (size_t i = 0; envp[i]; i++)
      if (strncmp(envp[i], "SPM_COPROCESS=", 14) == 0) free(envp[i]);
    free(envp);
  }
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at2);
  close(out[1]);
  close(err[1]);
  if (input != NULL) close(in[0]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    if (input != NULL) { close(in[1]); free_input(input); }
    emitf('F', id, "%ld", rc, 0, 0, 0);
    return;
  }
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  struct run *r = calloc(1, sizeof *r);
  if (r == NULL) _exit(70);
  r->id = id;
  r->pid = pid;
  r->fd[0] = out[0];
  r->fd[1] = err[0];
  r->grace_ms = grace_ms > 0 ? grace_ms : 0; /* for its limit, and for the owner's own kill ("T") */
  r->limit_signal = limit_signal > 0 && limit_signal < NSIG ? limit_signal : SIGTERM;
  if (limit > 0) r->deadline = (long long)began_mono.tv_sec * 1000 + began_mono.tv_nsec / 1000000 + limit;
  r->next = runs;
  runs = r;
  char text[96], real[32], mono[32];
  timespec_text(&began_real, real, sizeof real);
  timespec_text(&began_mono, mono, sizeof mono);
  int n = snprintf(text, sizeof text, "%ld %s %s", (long)pid, real, mono);
  emit('S', id, text, (size_t)n);
  if (input != NULL) {
    /* Written as the pipe takes it: at once if it fits, the rest when polled writable. */
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    /* A file range: a bigger pipe, fewer turns of the loop per MiB (refused past the user's
       pipe limits: the default size then). */
    if (input->file_fd >= 0 && input->file_left > (1u << 16)) fcntl(in[1], F_SETPIPE_SZ, 1 << 20);
    r->in = input;
    r->in_fd = in[1];
    feed_input(r);
  }
}

static size_t bucket_of(uint32_t id) { return (size_t)(id * 2654435761u) & (waiting_buckets - 1); }

static int is_waiting(uint32_t id) {
  if (waiting_count == 0) return 0;
  for (struct waiting *w = waiting_index[bucket_of(id)]; w; w = w->same_bucket)
    if (w->id == id) return 1;
  return 0;
}

/* Adds `w`, already on the waiting list, to the index (rebuilt from the list when it grows). */
static void index_waiting(struct waiting *w) {
  waiting_count++;
  if (waiting_count <= waiting_buckets) {
    size_t b = bucket_of(w->id);
    w->same_bucket = waiting_index[b];
    waiting_index[b] = w;
    return;
  }
  free(waiting_index);
  waiting_buckets = waiting_buckets == 0 ? 64 : waiting_buckets * 2;
  waiting_index = calloc(waiting_buckets, sizeof *waiting_index);
  if (waiting_index == NULL) _exit(70);
  for (struct waiting *v = waiting; v; v = v->next) {
    size_t b = bucket_of(v->id);
    v->same_bucket = waiting_index[b];
    waiting_index[b] = v;
  }
}

static void unindex_waiting(struct waiting *w) {
  for (struct waiting **at = &waiting_index[bucket_of(w->id)]; *at; at = &(*at)->same_bucket)
    if (*at == w) {
      *at = w->same_bucket;
      waiting_count--;
      return;
    }
}

/*
 * Splits `len` bytes on NUL into fields (the byte at buf[len] must be ours to overwrite), with
 * room for a terminating NULL; *count gets how many. The caller frees the array.
 */
static char **split_fields(unsigned char *buf, size_t len, size_t *count) {
  size_t n = 1;
  for (size_t i = 0; i < len; i++)
    if (buf[i] == 0) n++;
  char **f = calloc(n + 1, sizeof *f);
  if (f == NULL) _exit(70);
  size_t k = 0;
  f[k++] = (char *)buf;
  for (size_t i = 0; i < len; i++)
    if (buf[i] == 0) f[k++] = (char *)buf + i + 1;
  buf[len] = 0;
  *count = n;
  return f;
}

/* True while run `id` has not exited: it runs, or it waits itself. */
static int still_ahead(uint32_t id) {
  struct run *r = find(id);
  return (r != NULL && r->exited == 0) || is_waiting(id);
}

/* Runs "R"'s fields (a NUL-separated copy, one byte longer) as launch() wants them, in `env`. */
static void launch_fields(unsigned char *fields, size_t len, struct input *input, struct envset *env) {
  size_t n;
  char **f = split_fields(fields, len, &n);
  launch(f, n, input, env);
  free(f);
}

/* "A": a run that starts once run `after` has exited — now, if it has (or was never ours). */
static void wait_or_launch(unsigned char *msg, size_t len, char **f, size_t n) {
  uint32_t after = past_dropped((uint32_t)strtoul(f[1], NULL, 10));
  /* The "R" fields start after "A\0after\0". */
  size_t skip = (size_t)((unsigned char *)f[2] - msg);
  uint32_t id = (uint32_t)strtoul(f[2], NULL, 10);
  struct input *input = take_input(id);
  /* Read now, in the order frames come: a "-" after this frame means its environment. */
  struct envset *env = frame_env(f + 2, n - 2);
  if (!still_ahead(after) || env == NULL) {
    launch(f + 2, n - 2, input, env);
    return;
  }
  struct waiting *w = calloc(1, sizeof *w);
  if (w == NULL) _exit(70);
  w->id = id;
  w->env = env;
  w->input = input;
  w->after = after;
  w->len = len - skip;
  w->fields = malloc(w->len + 1);
  if (w->fields == NULL) _exit(70);
  memcpy(w->fields, msg + skip, w->len);
  *waiting_tail = w;
  waiting_tail = &w->next;
  index_waiting(w);
}

static void unlink_waiting(struct waiting **at) {
  struct waiting *w = *at;
  *at = w->next;
  if (waiting_tail == &w->next) waiting_tail = at;
  unindex_waiting(w);
  free(w->fields);
  free_input(w->input);
  envset_unref(w->env);
  free(w);
}

/* "D": drops a waiting run; the runs waiting for it wait for what it waited for. */
static void drop_waiting(uint32_t id) {
  for (struct waiting **at = &waiting; *at; at = &(*at)->next)
    if ((*at)->id == id) {
      uint32_t after = (*at)->after;
      unlink_waiting(at);
      dropped[dropped_next].id = id;
      dropped[dropped_next].after = after;
      dropped_next = (dropped_next + 1) % DROPPED_KEPT;
      dropped_count++;
      for (struct waiting *w = waiting; w; w = w->next)
        if (w->after == id) w->after = after;
      emit('K', id, NULL, 0);
      return;
    }
}

static void parse_input(void);

/* Reads and handles what the owner has written so far (stdin is non-blocking). */
static void read_input_now(void) {
  while (stdin_open) {
    grow(&inq, &inq_cap, inq_len + 65536);
    ssize_t got = read(0, inq + inq_len, 65536);
    if (got > 0) {
      inq_len += (size_t)got;
      parse_input();
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got == 0 || errno != EAGAIN) stdin_open = 0;
    return;
  }
}

/* Starts, in the order they came, the waiting runs whose run has exited (or failed to start). */
static void start_waiting(void) {
  /* A "D" the owner wrote before killing the run these wait for is handled first. */
  read_input_now();
  if (!stdin_open) return; /* the owner is gone: the sweep follows */
  for (struct waiting **at = &waiting; *at;) {
    struct waiting *w = *at;
    if (still_ahead(w->after)) {
      at = &w->next;
      continue;
    }
    unsigned char *fields = w->fields;
    size_t len = w->len;
    struct input *input = w->input;
    struct envset *env = w->env;
    w->fields = NULL;
    w->input = NULL;
    w->env = NULL;
    unlink_waiting(at);
    launch_fields(fields, len, input, env);
    free(fields);
  }
}

/* "I": kept for the next frame, its run's "R" or "A". */
static void keep_input(const unsigned char *msg, size_t len) {
  const unsigned char *end = memchr(msg + 2, 0, len - 2);
  if (end == NULL) return;
  free_input(pending_input);
  size_t size = len - (size_t)(end + 1 - msg);
  pending_input = new_input(size);
  memcpy(pending_input->bytes, end + 1, size);
  pending_input_id = (uint32_t)strtoul((const char *)msg + 2, NULL, 10);
}

/* "P": a file range for the pending "I" of the same run (one without bytes if none came). Its
   fields are split in place, as handle() splits the others (the byte after the frame is ours). */
static void keep_part(unsigned char *msg, size_t len) {
  size_t n;
  char **f = split_fields(msg, len, &n);
  if (n == 5) {
    uint32_t id = (uint32_t)strtoul(f[1], NULL, 10);
    if (pending_input == NULL || pending_input_id != id) {
      free_input(pending_input);
      pending_input = new_input(0);
      pending_input_id = id;
    }
    free(pending_input->file_path);
    pending_input->file_path = strdup(f[4]);
    if (pending_input->file_path == NULL) _exit(70);
    pending_input->file_off = strtoull(f[2], NULL, 10);
    pending_input->file_left = strtoull(f[3], NULL, 10);
  }
  free(f);
}

static void handle(unsigned char *msg, size_t len) {
  /* Its bytes are data, NUL included: not split into fields. */
  if (len >= 3 && msg[0] == 'I' && msg[1] == 0) {
    keep_input(msg, len);
    return;
  }
  if (len >= 3 && msg[0] == 'P' && msg[1] == 0) {
    keep_part(msg, len);
    return;
  }
  size_t n;
  char **f = split_fields(msg, len, &n); /* the byte after the frame is the caller's copy's */
  if (strcmp(f[0], "R") == 0) {
    struct input *input = n >= 2 ? take_input((uint32_t)strtoul(f[1], NULL, 10)) : take_input(0);
    launch(f + 1, n - 1, input, frame_env(f + 1, n - 1));
  }
  else if (strcmp(f[0], "A") == 0 && n >= 3) wait_or_launch(msg, len, f, n);
  else if (strcmp(f[0], "D") == 0 && n >= 2) drop_waiting((uint32_t)strtoul(f[1], NULL, 10));
  else if (strcmp(f[0], "Q") == 0) token = ""; /* the end-of-file that follows sweeps only ours */
  else if (strcmp(f[0], "N") == 0 && n >= 2) {
    struct run *r = find((uint32_t)strtoul(f[1], NULL, 10));
    if (r) r->deadline = 0;
  } else if (strcmp(f[0], "T") == 0 && n >= 3) {
    uint32_t id = (uint32_t)strtoul(f[1], NULL, 10);
    long long at = now_ms() + strtoll(f[2], NULL, 10);
    struct run *r = find(id);
    if (r) r->deadline = 0;
    for (size_t i = 3; i < n; i++) {
      long pgid = strtol(f[i], NULL, 10);
      if (pgid < 2 || pgid == (long)getpid()) continue;
      struct run *g = r != NULL && r->pid == pgid ? r : NULL;
      for (struct run *q = runs; q && g == NULL; q = q->next)
        if (q->pid == pgid && q->exited) g = q;
      if (g == NULL) {
        /* No record: one that only holds the group's SIGKILL, forgotten after it (id 0: never
           one the owner names). */
        g = calloc(1, sizeof *g);
        if (g == NULL) _exit(70);
        g->id = 0;
        g->pid = (pid_t)pgid;
        g->exited = 1;
        g->fd[0] = g->fd[1] = -1;
        g->lingering = 1;
        g->next = runs;
        runs = g;
      }
      if (!g->kill_at || at < g->kill_at) g->kill_at = at;
    }
  } else if ((strcmp(f[0], "H") == 0 || strcmp(f[0], "U") == 0) && n >= 2) {
    struct run *r = find((uint32_t)strtoul(f[1], NULL, 10));
    if (r) r->held = f[0][0] == 'H';
  } else if (strcmp(f[0], "Z") == 0 && n >= 2) {
    struct run *r = find((uint32_t)strtoul(f[1], NULL, 10));
    if (r) {
      close_stream(r, 0);
      r = find((uint32_t)strtoul(f[1], NULL, 10));
      if (r) close_stream(r, 1);
    }
  }
  free(f);
}

static void parse_input(void) {
  size_t at = 0;
  while (inq_len - at >= 4) {
    unsigned char *p = inq + at;
    size_t len = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
    if (inq_len - at < 4 + len) break;
    /* A copy with room for a terminating NUL. */
    unsigned char *msg = malloc(len + 1);
    if (msg == NULL) _exit(70);
    memcpy(msg, p + 4, len);
    handle(msg, len);
    free(msg);
    at += 4 + len;
  }
  memmove(inq, inq + at, inq_len - at);
  inq_len -= at;
}

static void reap(void) {
  int none = 0;
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (struct run *r = runs; r; r = r->next)
        if (r->pid == pid && !r->exited) {
          r->exited = -1;
          r->status = status;
          break;
        }
      continue;
    }
    none = pid < 0 && errno == ECHILD;
    break;
  }
  int clean = subreaper && none;
  for (struct run *r = runs, *next; r; r = next) {
    next = r->next;
    if (r->exited != -1) continue;
    int status = r->status;
    drain(r, 0);
    drain(r, 1);
    r->exited = 1;
    int eof = r->fd[0] < 0 && r->fd[1] < 0;
    long code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    long sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    char text[96], mono[32];
    clock_text(CLOCK_MONOTONIC, mono, sizeof mono);
    int n = snprintf(text, sizeof text, "%ld %ld %d %d %s", code, sig, clean, eof, mono);
    emit('X', r->id, text, (size_t)n);
    if (eof) forget(r);
  }
  /* After every 'X' of this pass, so that each "clean" was told of its own tree only. */
  if (waiting != NULL) start_waiting();
}

/* Past a run's limit: its limit signal (SIGTERM) to its group (once its leader is reaped, nothing more), SIGKILL after the grace. */
static void enforce_limits(void) {
  long long now = 0;
  for (struct run *r = runs; r; r = r->next) {
    if (!r->deadline && !r->kill_at) continue;
    if (!now) now = now_ms();
    if (r->deadline && now >= r->deadline) {
      r->deadline = 0;
      if (r->exited == 0) {
        kill(-r->pid, r->limit_signal);
        r->kill_at = now + r->grace_ms;
        emit('L', r->id, NULL, 0);
      }
    }
    if (r->kill_at && now >= r->kill_at) {
      r->kill_at = 0;
      /* The group outlives its leader while a member lives (a lingering run's, see forget). */
      kill(-r->pid, SIGKILL);
    }
  }
  for (struct run *r = runs, *next; r; r = next) {
    next = r->next;
    if (r->lingering && !r->kill_at) {
      r->lingering = 0;
      forget(r);
    }
  }
}

/* Milliseconds to the next deadline or kill of any run (at least 1), or -1 for none. */
static int next_limit_ms(void) {
  long long next = 0;
  for (struct run *r = runs; r; r = r->next) {
    if (r->deadline && (!next || r->deadline < next)) next = r->deadline;
    if (r->kill_at && (!next || r->kill_at < next)) next = r->kill_at;
  }
  if (!next) return -1;
  long long ms = next - now_ms();
  return ms < 1 ? 1 : ms > 60000 ? 60000 : (int)ms;
}

/* The shorter of two poll timeouts (-1: none). */
static int sooner(int a, int b) {
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

/*
 * A run whose group a sweep signals as a whole: its leader is not reaped yet, or it is in the
 * grace its limit began (SIGTERM sent, SIGKILL due at kill_at). Members of that group are not
 * signalled one by one as well (each would get the signal twice).
 */
static int swept_as_group(long pgrp) {
  for (struct run *r = runs; r; r = r->next)
    if (r->pid == pgrp && (!r->exited || r->kill_at)) return 1;
  return 0;
}

/* SIGKILL to the groups whose grace (begun at their limit) is over. */
static void kill_due(void) {
  long long now = now_ms();
  for (struct run *r = runs; r; r = r->next) {
    if (r->kill_at && now >= r->kill_at) {
      r->kill_at = 0;
      kill(-r->pid, SIGKILL);
    }
  }
}

/* A process as a sweep sees it. */
struct seen {
  long pid, ppid, pgrp;
  int hit;    /* our child, or it carries the owner's cookie */
  int keeper; /* one of the owner's fork servers or its watchdog: the token is one of its arguments */
};

/* Reads a /proc file whole (bounded by `cap`) into a malloc'd buffer; NULL if it cannot. */
static char *read_proc(long pid, const char *what, size_t cap, size_t *len) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/%s", pid, what);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  char *text = malloc(cap + 1);
  size_t have = 0;
  while (text && have < cap) {
    ssize_t m = read(fd, text + have, cap - have);
    if (m <= 0) break;
    have += (size_t)m;
  }
  close(fd);
  if (text) text[have] = 0;
  *len = have;
  return text;
}

/* Every live process of the machine (zombies left out), with what a sweep needs to know. */
static struct seen *scan_processes(size_t *count) {
  *count = 0;
  DIR *d = opendir("/proc");
  if (d == NULL) return NULL;
  struct seen *all = NULL;
  size_t cap = 0;
  pid_t self = getpid();
  size_t toklen = strlen(token);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char *end;
    long p = strtol(e->d_name, &end, 10);
    if (*end != 0 || p <= 1 || p == self) continue;
    size_t n;
    char *stat = read_proc(p, "stat", 4095, &n);
    if (stat == NULL) continue;
    char *rp = strrchr(stat, ')');
    char state;
    long ppid, pgrp;
    int ok = rp != NULL && sscanf(rp + 1, " %c %ld %ld", &state, &ppid, &pgrp) == 3 && state != 'Z';
    free(stat);
    if (!ok) continue;
    struct seen s = {p, ppid, pgrp, ppid == self, 0};
    if (toklen > 0) {
      /* The cookie variable sits anywhere in the environment: read it whole (bounded). */
      char *env = s.hit ? NULL : read_proc(p, "environ", 1 << 20, &n);
      if (env) {
        /* A coprocess cookie of the owner's, "<token>.N" with N >= 1 (what carries only the
           spoke cookie "<token>.0" is an untracked program: @spm/spoke's watchdog ends it). */
        for (size_t i = 0; i + toklen + 1 < n && !s.hit; i++)
          if (memcmp(env + i, token, toklen) == 0 && env[i + toklen] == '.' && env[i + toklen + 1] >= '1' && env[i + toklen + 1] <= '9') s.hit = 1;
        free(env);
      }
      char *argv = read_proc(p, "cmdline", 4095, &n);
      if (argv) {
        for (size_t i = 0; i < n && !s.keeper; i += strlen(argv + i) + 1) s.keeper = strcmp(argv + i, token) == 0;
        free(argv);
      }
    }
    if (*count == cap) {
      size_t grown_cap = cap ? cap * 2 : 256;
      struct seen *grown = realloc(all, grown_cap * sizeof *all);
      if (grown == NULL) break;
      all = grown;
      cap = grown_cap;
    }
    all[(*count)++] = s;
  }
  closedir(d);
  return all;
}

static struct seen *seen_of(struct seen *all, size_t count, long pid) {
  for (size_t i = 0; i < count; i++)
    if (all[i].pid == pid) return &all[i];
  return NULL;
}

/*
 * Which keeper (one of the owner's fork servers or its watchdog) a process belongs to: its
 * nearest keeper ancestor — self for our runs' trees and our orphans. 0 when it has none (an
 * orphan re-parented to init): then the keeper with the lowest pid signals it, so that it is
 * signalled once however many of the owner's servers sweep.
 */
static long keeper_of(struct seen *all, size_t count, const struct seen *s) {
  pid_t self = getpid();
  long at = s->ppid;
  for (int hops = 0; hops < 64 && at > 1; hops++) {
    if (at == self) return self;
    struct seen *up = seen_of(all, count, at);
    if (up == NULL) return 0;
    if (up->keeper) return up->pid;
    at = up->ppid;
  }
  return 0;
}

/*
 * Rare paths (the owner is gone): signal every live run's group, then, from /proc, the rest of
 * what the owner started — our children (orphans re-parented to us) and processes carrying a
 * coprocess cookie of the owner's. Each process gets `sig` once, from one server: by its run's group, or as the
 * leader of a group of its own (an escapee), or by pid; a process under another of the owner's
 * servers is left to that server (every server of the owner sweeps when the owner dies). A group
 * already in the grace its limit began gets no second SIGTERM (its SIGKILL comes at kill_at, see
 * kill_due). Returns whether anything was found alive.
 */
static int sweep(int sig) {
  int any = 0;
  for (struct run *r = runs; r; r = r->next) {
    if (r->exited && !r->kill_at) continue;
    if (kill(-r->pid, sig == SIGTERM && r->kill_at ? 0 : sig) == 0) any = 1;
  }
  size_t count;
  struct seen *all = scan_processes(&count);
  if (all == NULL) return any;
  long self = getpid(), lowest_keeper = self;
  for (size_t i = 0; i < count; i++)
    if (all[i].keeper && all[i].pid < lowest_keeper) lowest_keeper = all[i].pid;
  /* Mark what this server signals; `hit` is reused as "to signal". */
  for (size_t i = 0; i < count; i++) {
    struct seen *s = &all[i];
    if (!s->hit || s->keeper) {
      s->hit = 0;
      continue;
    }
    long keeper = keeper_of(all, count, s);
    if (keeper != self && !(keeper == 0 && lowest_keeper == self)) s->hit = 0;
    else if (swept_as_group(s->pgrp)) {
      s->hit = 0;
      any = 1;
    }
  }
  /* A leader of a group of its own gets the signal as a group; the members found with it are
     covered by that, and only the others are signalled by pid. */
  for (size_t i = 0; i < count; i++) {
    struct seen *s = &all[i];
    if (!s->hit) continue;
    if (s->pgrp != s->pid) {
      struct seen *leader = seen_of(all, count, s->pgrp);
      if (leader != NULL && leader->hit) continue;
    }
    if (kill(s->pgrp == s->pid ? -(pid_t)s->pid : (pid_t)s->pid, sig) == 0) any = 1;
  }
  free(all);
  return any;
}

static int no_children(void) {
  for (;;) {
    pid_t p = waitpid(-1, NULL, WNOHANG);
    if (p > 0) continue;
    return p < 0;
  }
}

static void nap(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void sweep_and_exit(void) {
  if (sweep(SIGTERM)) {
    for (long waited = 0; waited < grace * 1000L; waited += 50) {
      kill_due();
      if (no_children() && !sweep(0)) _exit(0);
      nap(50);
    }
    for (int i = 0; i < 100; i++) {
      if (!sweep(SIGKILL)) break;
      no_children();
      nap(50);
    }
  }
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc > 1) token = argv[1];
  if (argc > 2) grace = atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
#ifdef PR_SET_CHILD_SUBREAPER
  subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
#endif
  size_t n = 0;
  while (environ[n]) n++;
  env_recv = envset_new(environ, n);
  signal(SIGPIPE, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) return 71;
  emitf('H', 0, "subreaper=%ld", subreaper, 0, 0, 0);
  flush_out(1);
  fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  struct pollfd *pfd = NULL;
  struct run **owner = NULL;
  int *which = NULL;
  size_t pcap = 0;
  for (;;) {
    size_t count = 2;
    for (struct run *r = runs; r; r = r->next) count += 3;
    if (count > pcap) {
      pcap = count * 2;
      pfd = realloc(pfd, pcap * sizeof *pfd);
      owner = realloc(owner, pcap * sizeof *owner);
      which = realloc(which, pcap * sizeof *which);
      if (!pfd || !owner || !which) _exit(70);
    }
    size_t k = 0;
    pfd[k++] = (struct pollfd){stdin_open ? 0 : -1, POLLIN, 0};
    pfd[k++] = (struct pollfd){sfd, POLLIN, 0};
    int backlog = outq_len > MAX_OUT_QUEUE;
    for (struct run *r = runs; r; r = r->next)
      for (int w = 0; w < 2; w++)
        if (r->fd[w] >= 0) {
          owner[k] = r;
          which[k] = w;
          pfd[k++] = (struct pollfd){backlog || r->held ? -1 : r->fd[w], POLLIN, 0};
        }
    /* Stdin pipes with input still to write (2 in `which`). */
    for (struct run *r = runs; r; r = r->next)
      if (r->in != NULL) {
        owner[k] = r;
        which[k] = 2;
        pfd[k++] = (struct pollfd){r->in_fd, POLLOUT, 0};
      }
    struct pollfd outp = {1, POLLOUT, 0};
    int rc;
    if (outq_len > 0) {
      /* Poll stdout too, in one call: put it last. */
      if (k + 1 > pcap) {
        pcap = k + 8;
        pfd = realloc(pfd, pcap * sizeof *pfd);
        owner = realloc(owner, pcap * sizeof *owner);
        which = realloc(which, pcap * sizeof *which);
        if (!pfd || !owner || !which) _exit(70);
      }
      pfd[k] = outp;
      rc = poll(pfd, only_started ? k : k + 1, sooner(only_started ? START_DELAY_MS : -1, next_limit_ms()));
    } else {
      rc = poll(pfd, k, next_limit_ms());
    }
    if (rc < 0) {
      if (errno == EINTR) continue;
      return 72;
    }
    if (pfd[1].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {
      }
    }
    for (size_t i = 2; i < k; i++)
      if (pfd[i].revents) {
        /* The run may have been forgotten by an earlier drain in this pass. */
        int alive = 0;
        for (struct run *r = runs; r; r = r->next)
          if (r == owner[i]) alive = 1;
        if (alive && which[i] == 2) feed_input(owner[i]);
        else if (alive) drain(owner[i], which[i]);
      }
    if (stdin_open && pfd[0].revents) read_input_now();
    reap();
    enforce_limits();
    /* A dropped run may have freed its followers (their run had already exited). */
    if (waiting != NULL) start_waiting();
    if (!only_started || rc == 0) flush_out(0);
    if (outq_len == 0) only_started = 0;
    if (!stdin_open) sweep_and_exit();
  }
}
