/*
 * Fuzz target: passive fingerprints (passive_db.c, passive.c).
 *
 * Input: one mode byte, then
 *   mode & 1 == 0	the text of a p0f.fp: it parses (the parser only
 *			fails for memory), every signature's label exists,
 *			and the part the parent sends the engine parses to
 *			the same signatures;
 *   mode & 1 == 1	records "ctl len_hi len_lo" then (len & 0x7ff)
 *			bytes, each an IPv4 packet (ctl & 1: made a
 *			checksummed TCP SYN first, the rest as given) that
 *			the engine learns from (passive_observe) and that
 *			is matched against a fixed set of signatures: what
 *			matches is a label of the set, and a source's first
 *			recognized SYN is what the cache says of it.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "passive.h"
#include "fuzz.h"

static const char sigs[] =
"[tcp:request]\n"
"label = s:unix:Linux:3.11 and newer\n"
"sig = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n"
"label = g:unix:Linux:2.2.x-3.x\n"
"sig = *:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0\n"
"label = s:win:Windows:7 or 8\n"
"sig = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0\n"
"label = s:unix:OpenVMS:8.x\n"
"sig = 4:128:0:1460:mtu*2,0:mss,nop,ws::0\n"
"label = s:other:Modulo:\n"
"sig = *:255:0:*:%512,0:mss:df:0\n"
"label = s:!:Tool:x\n"
"sig = *:64-:0:1460:1024,0:mss::*\n"
"label = s:unix:Quirky:\n"
"sig = *:64:4:*:*,*:mss,eol+3:seq-,ack+,uptr+,pushf+,opt+,ecn,0+:+\n"
"label = s:unix:Stamps:\n"
"sig = *:64:0:*:*,15:ts,ws,?200,sack:ts1-,ts2+,exws,bad,urgf+,id-:0\n";

static struct passive_db	*fixed;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if ((fixed = passive_db_parse("fixed", sigs, sizeof(sigs) - 1, 1,
	    NULL)) == NULL || passive_db_count(fixed) != 8)
		fuzz_fail("the fixed signatures do not parse");
	return (0);
}

static void
fuzz_text(const uint8_t *data, size_t len)
{
	struct passive_db	*db, *db2;
	char			*part;
	size_t			 i, plen;
	int			 nwarn;

	if ((db = passive_db_parse("fuzz", (const char *)data, len, 1,
	    &nwarn)) == NULL)
		fuzz_fail("parse failed");
	for (i = 0; i < db->nsigs; i++)
		if (db->sigs[i].label >= db->nlabels ||
		    db->sigs[i].nopts > PSIG_OPTS_MAX)
			fuzz_fail("signature %zu out of bounds", i);
	for (i = 0; i < db->nlabels; i++)
		if (db->labels[i].desc == NULL ||
		    strncmp(db->labels[i].desc, db->labels[i].name,
		    strlen(db->labels[i].name)) != 0)
			fuzz_fail("label %zu: bad description", i);
	if (passive_db_extract((const char *)data, len, &part, &plen) == -1)
		fuzz_fail("extract failed");
	if ((db2 = passive_db_parse("part", part, plen, 1, NULL)) == NULL)
		fuzz_fail("parse of the part failed");
	/* A NUL ends a line early in the part: it may only lose some. */
	if (memchr(data, '\0', len) == NULL &&
	    passive_db_count(db2) != passive_db_count(db))
		fuzz_fail("the part has %zu signatures, the file %zu",
		    passive_db_count(db2), passive_db_count(db));
	passive_db_free(db2);
	passive_db_free(db);
	free(part);
}

/* Make it a SYN the matcher reads to the end: checksums right. */
static void
fix_syn(uint8_t *p, size_t len)
{
	struct ip_hdr	*ip = (struct ip_hdr *)p;
	struct tcp_hdr	*th;
	size_t		 hlen;

	if (len < IP_HDR_LEN + TCP_HDR_LEN)
		return;
	ip->ip_v = 4;
	hlen = ip->ip_hl * 4;
	if (hlen < IP_HDR_LEN || hlen + TCP_HDR_LEN > len)
		ip->ip_hl = 5;
	hlen = ip->ip_hl * 4;
	ip->ip_len = htons(len);
	ip->ip_off &= htons(IP_DF | IP_RF);
	ip->ip_p = IP_PROTO_TCP;
	th = (struct tcp_hdr *)(p + hlen);
	if (th->th_off * 4U > len - hlen || th->th_off < 5)
		th->th_off = 5;
	th->th_flags = (th->th_flags & ~TH_ACK) | TH_SYN;
	ip_checksum(p, len);
}

static int
is_fixed_label(const struct passive_label *l)
{
	return (l >= fixed->labels && l < fixed->labels + fixed->nlabels);
}

static void
fuzz_packets(const uint8_t *data, size_t len)
{
	const struct passive_label	*l;
	uint8_t				 pkt[2048];
	const char			*before, *after;
	size_t				 n;
	uint32_t			 src;

	passive_reconf_append(sigs, sizeof(sigs) - 1);
	passive_reconf_done(1);
	while (len >= 3) {
		n = ((data[1] << 8) | data[2]) & 0x7ff;
		if (n > len - 3)
			n = len - 3;
		memcpy(pkt, data + 3, n);
		if (data[0] & 1)
			fix_syn(pkt, n);
		l = passive_match(fixed, pkt, n);
		if (l != NULL && !is_fixed_label(l))
			fuzz_fail("a label from nowhere");
		src = n >= IP_HDR_LEN ?
		    ntohl(((struct ip_hdr *)pkt)->ip_src) : 0;
		before = passive_os_desc(src);
		passive_observe(pkt, n);
		after = passive_os_desc(src);
		if (before != NULL && before != after)
			fuzz_fail("a source's first answer changed");
		len -= 3 + n;
		data += 3 + n;
	}
	passive_free();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len == 0)
		return (0);
	if (data[0] & 1)
		fuzz_packets(data + 1, len - 1);
	else
		fuzz_text(data + 1, len - 1);
	return (0);
}
