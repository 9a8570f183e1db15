/*
 * honeydctl: the control tool of honeyd.  It turns a command (argv, or
 * one line of standard input) into one request on honeyd's control
 * socket (parser.c), reads the answer until IMSG_CTL_END or
 * IMSG_CTL_ERROR (honeydctl.c) and prints its records as columns or as
 * JSON (output.c).  The protocol is honeyd.h's IMSG_CTL_* and its
 * self-describing records (ctlrec.c).
 */

#ifndef HONEYDCTL_H
#define HONEYDCTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum ctl_action {
	CTL_NONE,
	CTL_HELP,
	CTL_SHOW,		/* any show: the request type says which */
	CTL_MONITOR,
	CTL_RELOAD,
	CTL_LOG,
	CTL_CONFIG,		/* a live configuration statement */
};

#define CTL_ARG_MAX		4096	/* a request's text argument */

struct parse_result {
	enum ctl_action	 action;
	uint32_t	 type;		/* the request's IMSG_CTL_* */
	uint32_t	 monmask;	/* MONITOR: CTL_MON_* */
	int		 hasarg;
	char		 arg[CTL_ARG_MAX];	/* NUL-terminated payload */
};

/* parser.c */
int	 parse(int, char *[], struct parse_result *, char *, size_t);
int	 parse_line(const char *, struct parse_result *, char *, size_t);
int	 split_line(const char *, char ***, int *);
void	 free_words(char **, int);
void	 parse_help(FILE *);

/* output.c */
struct output;

struct output	*output_new(FILE *, int);
void	 output_free(struct output *);
int	 output_record(struct output *, const void *, size_t);
void	 output_end(struct output *, const char *);
void	 output_event(FILE *, int, const char *, size_t);
void	 output_text(FILE *, const char *);

void	 json_string(FILE *, const char *);
void	 json_number(FILE *, const char *);

#define FLAT_MAX		64	/* members of a flat JSON object */

struct flat_member {
	char		*key;
	char		*value;		/* strings decoded to UTF-8 */
	int		 type;		/* CTLF_STRING, CTLF_NUMBER, CTLF_BOOL */
};

int	 flat_parse(const char *, size_t, struct flat_member *, int *);
void	 flat_free(struct flat_member *, int);

#endif /* HONEYDCTL_H */
