/*
 * Unit tests for the parent's checks of what the engine asks (proxy.c,
 * service.c): a compromised engine names the connection, so the parent
 * refuses a service or proxy for an address it does not claim, and a
 * proxy back to a peer that never sent it a frame.  Only loopback
 * addresses are connected to.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "parent_fixture.h"
#include "unit.h"

struct parent		*parent;
struct honeyd_opts	 honeyd_opts;

static struct parent	 par;
static struct imsgev	 eng_iev;
static struct imsgbuf	 eng_side;

static const char conf_text[] =
    "create t\n"
    "add t tcp port 22 proxy $ipsrc:22\n"
    "add t tcp port 23 \"sh x.sh\"\n"
    "bind 198.18.1.5 t\n"
    "bind 127.0.0.9 t\n";

static void
setup(void)
{
	struct honeyd_config	*conf;

	CHECK(fixture_parent(&par, &eng_iev, &eng_side) == 0);
	par.nifaces = 1;
	claim_init(&par.claimed);
	CHECK(claim_add(&par.claimed, 0xc6120100, 0xc61201ff) == 0);
	CHECK(claim_add(&par.claimed, 0x7f000009, 0x7f000009) == 0);
	claim_normalize(&par.claimed);
	conf = config_parse_buffer("test", conf_text, sizeof(conf_text) - 1,
	    NULL, NULL);
	CHECK(conf != NULL);
	service_init(par.base, 12345);
	service_config(conf);
}

/* Ask as the engine would; the answer's refusal, or -1 if none came. */
static int
ask(uint32_t type, uint32_t id, uint32_t src, uint32_t dst, uint16_t dport)
{
	struct {
		struct svc_req	 req;
		char		 name[2];
	}			 msg;
	struct svc_reply	 rep;
	struct imsg		 imsg, in;
	int			 refused = -1;

	memset(&msg, 0, sizeof(msg));
	msg.req.id = id;
	msg.req.tuple.proto = IPPROTO_TCP;
	msg.req.tuple.src = src;
	msg.req.tuple.dst = dst;
	msg.req.tuple.sport = 40000;
	msg.req.tuple.dport = dport;
	strlcpy(msg.name, "t", sizeof(msg.name));
	memset(&imsg, 0, sizeof(imsg));
	imsg.hdr.type = type;
	imsg.hdr.len = IMSG_HEADER_SIZE + sizeof(msg);
	imsg.data = &msg;
	imsg.fd = -1;
	if (type == IMSG_PROXY_CONNECT)
		proxy_connect(&imsg);
	else
		service_start(&imsg);
	if (imsgbuf_flush(&eng_iev.ibuf) == -1 || imsgbuf_read(&eng_side) <= 0)
		return (-1);
	while (imsg_get(&eng_side, &in) > 0) {
		if (imsg_get_len(&in) >= sizeof(rep)) {
			memcpy(&rep, in.data, sizeof(rep));
			if (rep.id == id)
				refused = rep.refused;
		}
		imsg_free(&in);
	}
	return (refused);
}

static void
test_proxy(void)
{
	struct iface	*ifp = &par.ifaces[0];
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };

	/* Not claimed: no connection of ours. */
	CHECK(ask(IMSG_PROXY_CONNECT, 1, 0x7f000001, 0xc6120209, 22) ==
	    SVC_E_CONFIG);
	/* Claimed, but the peer never sent a frame: not connected to. */
	CHECK(ask(IMSG_PROXY_CONNECT, 2, 0x7f000001, 0x7f000009, 22) ==
	    SVC_E_CONFIG);
	/* Once it did, the parent connects (refused or under way). */
	wire_learn(ifp, 0x7f000001, mac);
	CHECK(wire_seen(0x7f000001));
	CHECK(!wire_seen(0x7f000002));
	CHECK(ask(IMSG_PROXY_CONNECT, 3, 0x7f000001, 0x7f000009, 22) !=
	    SVC_E_CONFIG);
}

static void
test_service(void)
{
	/* A service for an address we do not claim: refused unforked. */
	CHECK(ask(IMSG_SVC_START, 4, 0x7f000001, 0xc6120209, 23) ==
	    SVC_E_CONFIG);
	CHECK(service_count() == 0);
	/* A port without a command: refused too. */
	CHECK(ask(IMSG_SVC_START, 5, 0x7f000001, 0xc6120105, 22) ==
	    SVC_E_CONFIG);
}

int
main(void)
{
	setup();
	test_proxy();
	test_service();
	return (unit_done());
}
