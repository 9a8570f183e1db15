/*
 * The command grammar of honeydctl, as tables: each table lists the
 * words that may come next, what a word means, and the table after it.
 * Any word may be shortened to a prefix that only one entry of its
 * table starts with; an exact match always wins.  A statement word
 * (create, set, ...) ends the parse: the statement goes to the daemon
 * whole, which parses it with the configuration's own grammar.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "honeydctl.h"

enum token_type {
	ENDTOKEN,		/* the end of a table */
	NOTOKEN,		/* the command may end here */
	KEYWORD,
	ARGUMENT,		/* any word; keyword is its name in help */
	STATEMENT,		/* a configuration statement: the rest */
};

struct token {
	enum token_type		 type;
	const char		*keyword;
	enum ctl_action		 action;	/* CTL_NONE: keep */
	uint32_t		 type_req;	/* IMSG_CTL_*, 0: keep */
	uint32_t		 mask;		/* CTL_MON_*, 0: keep */
	const struct token	*next;
};

static const struct token t_end[] = {
	{ NOTOKEN,	"",	CTL_NONE, 0, 0, NULL },
	{ ENDTOKEN,	"",	CTL_NONE, 0, 0, NULL }
};

static const struct token t_name[] = {
	{ NOTOKEN,	"",	CTL_NONE, 0, 0, NULL },
	{ ARGUMENT,	"NAME",	CTL_NONE, 0, 0, t_end },
	{ ENDTOKEN,	"",	CTL_NONE, 0, 0, NULL }
};

static const struct token t_net[] = {
	{ NOTOKEN,	"",	CTL_NONE, 0, 0, NULL },
	{ ARGUMENT,	"ADDR|NET", CTL_NONE, 0, 0, t_end },
	{ ENDTOKEN,	"",	CTL_NONE, 0, 0, NULL }
};

static const struct token t_file[] = {
	{ NOTOKEN,	"",	CTL_NONE, 0, 0, NULL },
	{ ARGUMENT,	"FILE",	CTL_NONE, 0, 0, t_end },
	{ ENDTOKEN,	"",	CTL_NONE, 0, 0, NULL }
};

static const struct token t_show[] = {
	{ KEYWORD, "status", CTL_NONE, IMSG_CTL_SHOW_STATUS, 0, t_end },
	{ KEYWORD, "stats", CTL_NONE, IMSG_CTL_SHOW_STATS, 0, t_end },
	{ KEYWORD, "templates", CTL_NONE, IMSG_CTL_SHOW_TEMPLATES, 0, t_name },
	{ KEYWORD, "hosts", CTL_NONE, IMSG_CTL_SHOW_HOSTS, 0, t_net },
	{ KEYWORD, "binds", CTL_NONE, IMSG_CTL_SHOW_BINDS, 0, t_end },
	{ KEYWORD, "routes", CTL_NONE, IMSG_CTL_SHOW_ROUTES, 0, t_end },
	{ KEYWORD, "connections", CTL_NONE, IMSG_CTL_SHOW_CONNECTIONS, 0,
	    t_net },
	{ KEYWORD, "services", CTL_NONE, IMSG_CTL_SHOW_SERVICES, 0, t_end },
	{ ENDTOKEN, "", CTL_NONE, 0, 0, NULL }
};

static const struct token t_monitor[] = {
	{ NOTOKEN,	"",	CTL_NONE, 0, 0, NULL },
	{ KEYWORD, "packets", CTL_NONE, 0, CTL_MON_PACKETS, t_end },
	{ KEYWORD, "services", CTL_NONE, 0, CTL_MON_SERVICES, t_end },
	{ KEYWORD, "all", CTL_NONE, 0, CTL_MON_ALL, t_end },
	{ ENDTOKEN,	"",	CTL_NONE, 0, 0, NULL }
};

static const struct token t_log[] = {
	{ KEYWORD, "verbose", CTL_NONE, IMSG_CTL_LOG_VERBOSE, 0, t_end },
	{ KEYWORD, "brief", CTL_NONE, IMSG_CTL_LOG_BRIEF, 0, t_end },
	{ ENDTOKEN,	"",	CTL_NONE, 0, 0, NULL }
};

static const struct token t_main[] = {
	{ KEYWORD, "show", CTL_SHOW, 0, 0, t_show },
	{ KEYWORD, "monitor", CTL_MONITOR, IMSG_CTL_MONITOR, CTL_MON_ALL,
	    t_monitor },
	{ KEYWORD, "reload", CTL_RELOAD, IMSG_CTL_RELOAD, 0, t_file },
	{ KEYWORD, "log", CTL_LOG, 0, 0, t_log },
	{ KEYWORD, "help", CTL_HELP, 0, 0, t_end },
	{ STATEMENT, "create", CTL_CONFIG, IMSG_CTL_CONFIG, 0, NULL },
	{ STATEMENT, "set", CTL_CONFIG, IMSG_CTL_CONFIG, 0, NULL },
	{ STATEMENT, "add", CTL_CONFIG, IMSG_CTL_CONFIG, 0, NULL },
	{ STATEMENT, "bind", CTL_CONFIG, IMSG_CTL_CONFIG, 0, NULL },
	{ STATEMENT, "clone", CTL_CONFIG, IMSG_CTL_CONFIG, 0, NULL },
	{ STATEMENT, "delete", CTL_CONFIG, IMSG_CTL_CONFIG, 0, NULL },
	{ STATEMENT, "unbind", CTL_CONFIG, IMSG_CTL_CONFIG, 0, NULL },
	{ STATEMENT, "annotate", CTL_CONFIG, IMSG_CTL_CONFIG, 0, NULL },
	{ STATEMENT, "route", CTL_CONFIG, IMSG_CTL_CONFIG, 0, NULL },
	{ ENDTOKEN, "", CTL_NONE, 0, 0, NULL }
};

static int
is_word(const struct token *t)
{
	return (t->type == KEYWORD || t->type == STATEMENT);
}

/* "status stats" or "NAME": what a table would have accepted. */
static void
choices(const struct token *table, char *buf, size_t len)
{
	int	 i;

	buf[0] = '\0';
	for (i = 0; table[i].type != ENDTOKEN; i++) {
		if (table[i].type == NOTOKEN)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, " ", len);
		strlcat(buf, table[i].keyword, len);
	}
}

/* The words of table that start with word, listed in buf; their number. */
static int
prefixed(const struct token *table, const char *word, char *buf,
    size_t len)
{
	size_t	 n = strlen(word);
	int	 i, count = 0;

	buf[0] = '\0';
	for (i = 0; table[i].type != ENDTOKEN; i++) {
		if (!is_word(&table[i]) ||
		    strncmp(word, table[i].keyword, n) != 0)
			continue;
		if (count++ > 0)
			strlcat(buf, " ", len);
		strlcat(buf, table[i].keyword, len);
	}
	return (count);
}

/*
 * The entry of table that word selects (word NULL: the end of the
 * command), or NULL with the reason in err.
 */
static const struct token *
match_token(const char *word, const struct token *table, char *err,
    size_t errlen)
{
	const struct token	*t = NULL, *arg = NULL, *end = NULL;
	char			 list[512];
	size_t			 n;
	int			 i, count = 0;

	for (i = 0; table[i].type != ENDTOKEN; i++) {
		if (table[i].type == NOTOKEN)
			end = &table[i];
		else if (table[i].type == ARGUMENT)
			arg = &table[i];
	}
	if (word == NULL) {
		if (end != NULL)
			return (end);
		choices(table, list, sizeof(list));
		snprintf(err, errlen, "missing argument: one of %s", list);
		return (NULL);
	}
	n = strlen(word);
	for (i = 0; table[i].type != ENDTOKEN && n > 0; i++) {
		if (!is_word(&table[i]) ||
		    strncmp(word, table[i].keyword, n) != 0)
			continue;
		if (strcmp(word, table[i].keyword) == 0)
			return (&table[i]);
		count++;
		t = &table[i];
	}
	if (count == 1)
		return (t);
	if (count > 1) {
		prefixed(table, word, list, sizeof(list));
		snprintf(err, errlen, "ambiguous \"%s\": one of %s", word, list);
		return (NULL);
	}
	if (arg != NULL)
		return (arg);
	choices(table, list, sizeof(list));
	if (list[0] == '\0')
		snprintf(err, errlen, "unexpected \"%s\"", word);
	else
		snprintf(err, errlen, "unknown \"%s\": one of %s", word, list);
	return (NULL);
}

/*
 * One word of a statement as the configuration's lexer reads it: as is,
 * or in double quotes (with \" and \\) if it has blanks or quotes.
 */
static int
quote_word(char *buf, size_t len, const char *w)
{
	size_t	 o = strlen(buf);
	int	 quote = (*w == '\0');
	const char *p;

	for (p = w; *p != '\0' && !quote; p++)
		if (isspace((unsigned char)*p) || *p == '"' || *p == '#' ||
		    *p == '\'')
			quote = 1;
	if (!quote)
		return (strlcat(buf, w, len) < len ? 0 : -1);
	if (o + 1 >= len)
		return (-1);
	buf[o++] = '"';
	for (p = w; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			if (o + 1 >= len)
				return (-1);
			buf[o++] = '\\';
		}
		if (o + 1 >= len)
			return (-1);
		buf[o++] = *p;
	}
	if (o + 2 > len)
		return (-1);
	buf[o++] = '"';
	buf[o] = '\0';
	return (0);
}

/* keyword, then argv re-quoted, into res->arg. */
static int
statement(const char *keyword, int argc, char *argv[],
    struct parse_result *res, char *err, size_t errlen)
{
	int	 i;

	strlcpy(res->arg, keyword, sizeof(res->arg));
	for (i = 0; i < argc; i++) {
		if (strlcat(res->arg, " ", sizeof(res->arg)) >=
		    sizeof(res->arg) ||
		    quote_word(res->arg, sizeof(res->arg), argv[i]) == -1) {
			snprintf(err, errlen, "statement too long");
			return (-1);
		}
	}
	res->hasarg = 1;
	return (0);
}

/* Apply what a matched entry means. */
static void
take(const struct token *t, const char *word, struct parse_result *res)
{
	if (t->action != CTL_NONE)
		res->action = t->action;
	if (t->type_req != 0)
		res->type = t->type_req;
	if (t->mask != 0)
		res->monmask = t->mask;
	if (t->type == ARGUMENT) {
		strlcpy(res->arg, word, sizeof(res->arg));
		res->hasarg = 1;
	}
}

/* argv (the command's words) into res: 0, or -1 with the reason in err. */
int
parse(int argc, char *argv[], struct parse_result *res, char *err,
    size_t errlen)
{
	const struct token	*table = t_main, *t;
	int			 i;

	memset(res, 0, sizeof(*res));
	for (i = 0; ; i++) {
		t = match_token(i < argc ? argv[i] : NULL, table, err, errlen);
		if (t == NULL)
			return (-1);
		if (t->type == NOTOKEN)
			break;
		if (t->type == ARGUMENT && strlen(argv[i]) >= sizeof(res->arg)) {
			snprintf(err, errlen, "argument too long");
			return (-1);
		}
		take(t, argv[i], res);
		if (t->type == STATEMENT)
			return (statement(t->keyword, argc - i - 1,
			    argv + i + 1, res, err, errlen));
		table = t->next;
	}
	if (res->action == CTL_NONE) {
		snprintf(err, errlen, "no command");
		return (-1);
	}
	return (0);
}

void
free_words(char **words, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

/*
 * One line into words: blanks separate them, "..." (with \" and \\) and
 * '...' keep blanks in one.  -1 for an unterminated quote.
 */
int
split_line(const char *line, char ***wordsp, int *np)
{
	char		**words = NULL, **nw, *w = NULL;
	const char	 *p = line;
	size_t		  len;
	int		  n = 0, q;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if ((w = malloc(strlen(p) + 1)) == NULL)
			goto fail;
		len = 0;
		while (*p != '\0' && !isspace((unsigned char)*p)) {
			if (*p != '"' && *p != '\'') {
				w[len++] = *p++;
				continue;
			}
			q = *p++;
			while (*p != q) {
				if (*p == '\0')
					goto fail;
				if (q == '"' && *p == '\\' &&
				    (p[1] == '"' || p[1] == '\\'))
					p++;
				w[len++] = *p++;
			}
			p++;
		}
		w[len] = '\0';
		if ((nw = reallocarray(words, n + 1, sizeof(*words))) == NULL)
			goto fail;
		words = nw;
		words[n++] = w;
		w = NULL;
	}
	*wordsp = words;
	*np = n;
	return (0);
 fail:
	free(w);
	free_words(words, n);
	return (-1);
}

/*
 * A line of standard input.  A statement goes to the daemon as written
 * (after its first word, expanded if it was a prefix), so that its
 * quoting is the user's own.
 */
int
parse_line(const char *line, struct parse_result *res, char *err,
    size_t errlen)
{
	char		**words;
	const char	 *rest;
	size_t		  len;
	int		  n, rv;

	if (split_line(line, &words, &n) == -1) {
		snprintf(err, errlen, "unterminated quote");
		return (-1);
	}
	rv = parse(n, words, res, err, errlen);
	free_words(words, n);
	if (rv == -1 || res->action != CTL_CONFIG)
		return (rv);

	for (rest = line; isspace((unsigned char)*rest); rest++)
		;
	if (*rest == '"' || *rest == '\'')
		return (0);	/* a quoted keyword: keep the re-quoted form */
	while (*rest != '\0' && !isspace((unsigned char)*rest))
		rest++;
	while (isspace((unsigned char)*rest))
		rest++;
	len = strcspn(res->arg, " ");
	res->arg[len] = '\0';
	if (*rest != '\0') {
		strlcat(res->arg, " ", sizeof(res->arg));
		if (strlcat(res->arg, rest, sizeof(res->arg)) >=
		    sizeof(res->arg)) {
			snprintf(err, errlen, "statement too long");
			return (-1);
		}
	}
	/* Trailing blanks (a CR of a DOS file too) mean nothing. */
	len = strlen(res->arg);
	while (len > 0 && isspace((unsigned char)res->arg[len - 1]))
		res->arg[--len] = '\0';
	return (0);
}

/* Print what table accepts, one line per command, after prefix. */
static void
help_table(FILE *fp, const char *prefix, const struct token *table)
{
	char	 line[256], alts[256];
	int	 i, opt = 0, leaf = 1, count = 0;

	if (table == NULL || table == t_end) {
		fprintf(fp, "  %s\n", prefix);
		return;
	}
	for (i = 0; table[i].type != ENDTOKEN; i++) {
		if (table[i].type == NOTOKEN)
			opt = 1;
		else {
			count++;
			if (table[i].next != NULL && table[i].next != t_end)
				leaf = 0;
		}
	}
	if (opt && leaf && count > 0) {
		choices(table, alts, sizeof(alts));
		for (i = 0; alts[i] != '\0'; i++)
			if (alts[i] == ' ')
				alts[i] = '|';
		fprintf(fp, "  %s [%s]\n", prefix, alts);
		return;
	}
	if (opt)
		fprintf(fp, "  %s\n", prefix);
	for (i = 0; table[i].type != ENDTOKEN; i++) {
		if (table[i].type == NOTOKEN)
			continue;
		snprintf(line, sizeof(line), "%s%s%s", prefix,
		    prefix[0] != '\0' ? " " : "", table[i].keyword);
		if (table[i].type == STATEMENT)
			fprintf(fp, "  %s ...\n", line);
		else
			help_table(fp, line, table[i].next);
	}
}

void
parse_help(FILE *fp)
{
	fprintf(fp, "usage: honeydctl [-j] [-s socket] [command ...]\n"
	    "commands (any word may be shortened to an unambiguous "
	    "prefix):\n");
	help_table(fp, "", t_main);
	fprintf(fp, "a line starting with create, set, add, bind, clone, "
	    "delete, unbind, annotate\nor route is a configuration "
	    "statement, run by the daemon as it is written.\n"
	    "without a command, commands and statements are read from "
	    "standard input.\n");
}
