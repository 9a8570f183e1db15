/*
 * Unit tests for live configuration statements (config.c
 * config_apply_statement, parse.y config_parse_more): the running
 * configuration plus one statement, as the parent builds it for a
 * control client's "config" request, and "unbind" (config_unbind).
 * The running configuration must never change; errors name the
 * statement as "honeydctl:1: ..." and are the first one captured
 * (log.c log_capture_first), which is what the client is answered.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "unit.h"

#define A(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static const char running_text[] =
    "create default\n"
    "set default default tcp action reset\n"
    "create web\n"
    "add web tcp port 80 open\n"
    "bind 198.18.1.10 web\n"
    "bind 198.18.2.0/24 web\n";

static struct honeyd_config *
running(void)
{
	return (config_parse_buffer("running", running_text,
	    strlen(running_text), NULL, NULL));
}

/* The template name an address is bound to, or NULL. */
static const char *
bound(const struct honeyd_config *c, uint32_t a)
{
	const struct bind	*b;

	b = config_find_bind(c, a);
	return (b != NULL ? b->tmpl->name : NULL);
}

static int
bound_to(const struct honeyd_config *c, uint32_t a, const char *name)
{
	const char	*n = bound(c, a);

	return (n != NULL && strcmp(n, name) == 0);
}

/* Apply stmt; on failure *err is the first error's text. */
static struct honeyd_config *
apply(const struct honeyd_config *r, const char *stmt, const char **err)
{
	struct honeyd_config	*c;

	log_capture_start();
	c = config_apply_statement(r, stmt, NULL, NULL);
	*err = log_capture_first();
	return (c);
}

static void
test_bind_unbind(void)
{
	struct honeyd_config	*r, *c, *c2;
	const char		*err;

	CHECK((r = running()) != NULL);
	if (r == NULL)
		return;
	c = apply(r, "bind 198.18.1.50 web", &err);
	CHECK(c != NULL && err == NULL);
	if (c == NULL)
		goto out;
	CHECK(bound_to(c, A(198, 18, 1, 50), "web"));
	CHECK(bound_to(c, A(198, 18, 1, 10), "web"));
	/* The running configuration is untouched. */
	CHECK(bound(r, A(198, 18, 1, 50)) == NULL);

	c2 = apply(c, "unbind 198.18.1.50", &err);
	CHECK(c2 != NULL && err == NULL);
	if (c2 != NULL) {
		CHECK(bound(c2, A(198, 18, 1, 50)) == NULL);
		CHECK(bound_to(c2, A(198, 18, 1, 10), "web"));
		config_free(c2);
	}
	CHECK(bound_to(c, A(198, 18, 1, 50), "web"));
	config_free(c);

	/* A range out of the middle of a bind splits it in two. */
	c = apply(r, "unbind 198.18.2.5 - 198.18.2.9", &err);
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK(bound_to(c, A(198, 18, 2, 4), "web"));
		CHECK(bound(c, A(198, 18, 2, 5)) == NULL);
		CHECK(bound(c, A(198, 18, 2, 9)) == NULL);
		CHECK(bound_to(c, A(198, 18, 2, 10), "web"));
		CHECK(bound_to(c, A(198, 18, 2, 255), "web"));
		CHECK(c->nbinds == 3);
		config_free(c);
	}
	/* A network, and the range written as one word. */
	c = apply(r, "unbind 198.18.2.0/25", &err);
	CHECK(c != NULL && bound(c, A(198, 18, 2, 127)) == NULL &&
	    bound_to(c, A(198, 18, 2, 128), "web"));
	if (c != NULL)
		config_free(c);
	c = apply(r, "unbind 198.18.1.0-198.18.2.255", &err);
	CHECK(c != NULL && c->nbinds == 0);
	if (c != NULL)
		config_free(c);
 out:
	config_free(r);
}

static void
test_errors(void)
{
	struct honeyd_config	*r, *c;
	const char		*err;

	CHECK((r = running()) != NULL);
	if (r == NULL)
		return;
	c = apply(r, "bind 198.18.1.60 nosuchtemplate", &err);
	CHECK(c == NULL);
	CHECK(err != NULL && strncmp(err, "honeydctl:1: ", 13) == 0);
	CHECK(err != NULL && strstr(err, "nosuchtemplate") != NULL);

	c = apply(r, "frobnicate 1", &err);
	CHECK(c == NULL && err != NULL &&
	    strcmp(err, "honeydctl:1: syntax error at \"frobnicate\"") == 0);

	c = apply(r, "unbind 198.18.3.1", &err);
	CHECK(c == NULL && err != NULL &&
	    strcmp(err, "honeydctl:1: 198.18.3.1 is not bound") == 0);

	/* The parent is root: a client may not make it read a file. */
	c = apply(r, "include \"/etc/passwd\"", &err);
	CHECK(c == NULL && err != NULL &&
	    strstr(err, "include is not allowed") != NULL);

	c = apply(r, "delete web", &err);
	CHECK(c == NULL && err != NULL &&
	    strncmp(err, "honeydctl:1: cannot delete template \"web\"",
	    41) == 0);

	/* A warning is not the error: the statement applies. */
	c = apply(r, "bind 198.18.1.10 default", &err);
	CHECK(c != NULL && err == NULL);
	if (c != NULL) {
		CHECK(bound_to(c, A(198, 18, 1, 10), "default"));
		config_free(c);
	}
	CHECK(bound_to(r, A(198, 18, 1, 10), "web"));
	config_free(r);
}

static void
test_other_statements(void)
{
	struct honeyd_config	*r, *c, *c2;
	const struct action	*a;
	const char		*err;

	CHECK((r = running()) != NULL);
	if (r == NULL)
		return;
	c = apply(r, "delete web tcp port 80", &err);
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK(template_find_port(config_find_template(c, "web"),
		    IPPROTO_TCP, 80) == NULL);
		config_free(c);
	}
	CHECK(template_find_port(config_find_template(r, "web"),
	    IPPROTO_TCP, 80) != NULL);

	c = apply(r, "clone web2 web", &err);
	CHECK(c != NULL && config_find_template(c, "web2") != NULL);
	c2 = c == NULL ? NULL : apply(c, "add web2 tcp port 22 open", &err);
	CHECK(c2 != NULL);
	if (c2 != NULL) {
		a = template_action(config_find_template(c2, "web2"),
		    IPPROTO_TCP, 22);
		CHECK(a != NULL && a->kind == ACTION_OPEN);
		config_free(c2);
	}
	if (c != NULL)
		config_free(c);

	c = apply(r, "set web uptime 1000", &err);
	CHECK(c != NULL && config_find_template(c, "web")->uptime == 1000);
	if (c != NULL)
		config_free(c);

	c = apply(r, "annotate \"Some OS\" fragment old", &err);
	CHECK(c != NULL && !TAILQ_EMPTY(&c->annotations));
	if (c != NULL)
		config_free(c);

	/* A route: the topology is built again with it. */
	c = apply(r, "route entry 198.18.4.1 network 198.18.4.0/24", &err);
	CHECK(c != NULL && c->topo != NULL);
	c2 = c == NULL ? NULL :
	    apply(c, "route 198.18.4.1 link 198.18.4.0/24", &err);
	CHECK(c2 != NULL && c2->topo != NULL);
	if (c2 != NULL)
		config_free(c2);
	if (c != NULL)
		config_free(c);
	config_free(r);
}

int
main(void)
{
	log_init(1, 0);
	test_bind_unbind();
	test_errors();
	test_other_statements();
	return (unit_done());
}
