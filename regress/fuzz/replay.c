/*
 * replay: run a fuzz target over its committed corpus without libFuzzer,
 * so that the ordinary build (gcc, ASan+UBSan in build-asan/) checks
 * every saved input on each "make test".
 *
 *	test_fuzz_NAME [-v] [DIR|FILE...]
 *
 * Without arguments, the files of regress/fuzz/corpus/NAME (relative to
 * the current directory, the repository's top as regress/run.sh runs
 * it).  Each input runs in a child of its own, with a time limit, so one
 * crash is one failure and the rest still run; the child's stderr (parse
 * errors are expected there) is shown only when it fails, or with -v.
 * Prints "N passed, M failed, 0 skipped".
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error FUZZ_NAME must name the target
#endif
#define FUZZ_CORPUS	"regress/fuzz/corpus/" FUZZ_NAME
#define FUZZ_TIMEOUT	20	/* seconds per input, sanitizers included */
#define FUZZ_MAXLEN	(1024 * 1024)

static int	 verbose, passed, failed;
static FILE	*errlog;

static int	 read_file(const char *, uint8_t **, size_t *);
static void	 run_one(const char *);
static void	 run_path(const char *);
static void	 show_log(void);

static int
read_file(const char *path, uint8_t **bufp, size_t *lenp)
{
	uint8_t	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return (-1);
	if ((buf = malloc(FUZZ_MAXLEN)) == NULL) {
		close(fd);
		return (-1);
	}
	while (len < FUZZ_MAXLEN &&
	    (n = read(fd, buf + len, FUZZ_MAXLEN - len)) > 0)
		len += n;
	close(fd);
	*bufp = buf;
	*lenp = len;
	return (0);
}

static void
show_log(void)
{
	char	 line[1024];

	fflush(errlog);
	rewind(errlog);
	while (fgets(line, sizeof(line), errlog) != NULL)
		fputs(line, stderr);
}

/* One input in a child: the target's state dies with it. */
static void
run_one(const char *path)
{
	uint8_t	*buf, *copy;
	size_t	 len;
	pid_t	 pid;
	int	 status;
	char	 fdnum[16];

	if (read_file(path, &buf, &len) == -1) {
		printf("FAIL %s: %s\n", path, strerror(errno));
		failed++;
		return;
	}
	fflush(stdout);
	if (ftruncate(fileno(errlog), 0) == -1)
		rewind(errlog);
	rewind(errlog);
	if ((pid = fork()) == -1) {
		printf("FAIL %s: fork: %s\n", path, strerror(errno));
		failed++;
		free(buf);
		return;
	}
	if (pid == 0) {
		snprintf(fdnum, sizeof(fdnum), "%d", fileno(errlog));
		setenv("FUZZ_REPORT_FD", fdnum, 1);
		if (!verbose)
			dup2(fileno(errlog), 2);
		alarm(FUZZ_TIMEOUT);
		/* Exactly len bytes: an over-read is the sanitizer's. */
		if ((copy = malloc(len > 0 ? len : 1)) == NULL)
			_exit(3);
		memcpy(copy, buf, len);
		LLVMFuzzerTestOneInput(copy, len);
		free(copy);
		/* exit, not _exit: the leak checker and gcov run at exit. */
		exit(0);
	}
	free(buf);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		passed++;
		return;
	}
	failed++;
	if (WIFSIGNALED(status))
		printf("FAIL %s: signal %d%s\n", path, WTERMSIG(status),
		    WTERMSIG(status) == SIGALRM ? " (timed out)" : "");
	else
		printf("FAIL %s: exit %d\n", path, WEXITSTATUS(status));
	fflush(stdout);
	show_log();
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

static void
run_path(const char *path)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		**names = NULL, *p;
	size_t		 n = 0, i;

	if (stat(path, &st) == -1) {
		printf("FAIL %s: %s\n", path, strerror(errno));
		failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_one(path);
		return;
	}
	if ((d = opendir(path)) == NULL) {
		printf("FAIL %s: %s\n", path, strerror(errno));
		failed++;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = reallocarray(names, n + 1, sizeof(*names))) ==
		    NULL || asprintf(&p, "%s/%s", path, de->d_name) == -1)
			abort();
		names[n++] = p;
	}
	closedir(d);
	/* Sorted, so that a failure's place in the output is stable. */
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		run_one(names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char *argv[])
{
	int	 i = 1;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		i++;
	}
	if ((errlog = tmpfile()) == NULL) {
		perror("tmpfile");
		return (2);
	}
	LLVMFuzzerInitialize(&argc, &argv);
	if (i == argc)
		run_path(FUZZ_CORPUS);
	for (; i < argc; i++)
		run_path(argv[i]);
	printf("%s: %d inputs\n", FUZZ_NAME, passed + failed);
	/* Nothing is ever skipped; the count is for regress/run.sh. */
	printf("%d passed, %d failed, 0 skipped\n", passed, failed);
	return (failed == 0 ? 0 : 1);
}
