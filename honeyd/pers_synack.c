/*
 * The options of an ordinary SYN+ACK (to a SYN that is none of nmap's
 * probes), worked out once per plan and per set of options the SYN
 * offered, then copied.  Deriving them means reading the fingerprint's
 * option string, leaving out what the peer did not offer and, for
 * Linux, laying them out again: the same bytes every time for a given
 * plan and offer.  Only the timestamp and an echoed MSS differ from one
 * SYN to the next; their places are kept and filled in.
 *
 * The cache is its own struct, filled by pers_tcp.c's own code
 * (pers_synack_shape), so that how a stack lays out its options stays
 * in one place; it lives beside the plan and goes with it at a reload.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "tcp.h"

/* The offers a SYN+ACK's options depend on: they index the shapes. */
#define SYNACK_IDX(has)	((((has) & TCP_HAS_WSCALE) ? 1 : 0) | \
			 (((has) & TCP_HAS_SACKOK) ? 2 : 0) | \
			 (((has) & TCP_HAS_TS) ? 4 : 0))

_Static_assert(PERS_OPT_LEN_MAX == TCP_OPT_LEN_MAX,
    "a SYN+ACK's options fit a shape");

/*
 * Offset of option kind in opts, or -1.  Past an EOL too: a
 * fingerprint's string may put options after one (WAGO's "M5B4LLW1NT11").
 */
static int
opt_offset(const uint8_t *opts, size_t n, int kind)
{
	size_t	 i, olen;

	for (i = 0; i < n; i += olen) {
		if (opts[i] == TCP_OPT_EOL || opts[i] == TCP_OPT_NOP) {
			olen = 1;
			continue;
		}
		if (i + 1 >= n || (olen = opts[i + 1]) < 2 || i + olen > n)
			break;
		if (opts[i] == kind)
			return (i);
	}
	return (-1);
}

/*
 * Fill shape sh for the offer has: the options as built for a SYN with
 * every time value 1 and no MSS to echo, and where those go.  A value
 * the fingerprint's string leaves at zero is built as zero, so a
 * non-zero byte says the field is filled in.
 */
static void
synack_fill(struct pers_state *st, const struct fingerprint *fp, int has,
    struct pers_synack_shape *sh)
{
	struct tcp_seg		 seg;
	struct tcp_reply	 r;
	uint32_t		 v;
	int			 o;

	memset(&seg, 0, sizeof(seg));
	memset(&r, 0, sizeof(r));
	seg.flags = TH_SYN;
	seg.has = has & (TCP_HAS_WSCALE | TCP_HAS_SACKOK | TCP_HAS_TS);
	seg.tsval = 1;
	r.ts_ok = -1;
	pers_synack_shape(st, fp, &seg, &r);
	memcpy(sh->opts, r.opts, r.optlen);
	sh->optlen = r.optlen;
	/* Left at -1: the string was missing, set_ops() set nothing. */
	sh->keep = r.ts_ok == -1;
	sh->wscale = r.wscale;
	sh->ts_ok = r.ts_ok;
	sh->ts_off = sh->mss_off = -1;
	if ((o = opt_offset(sh->opts, sh->optlen, TCP_OPT_TIMESTAMP)) != -1 &&
	    sh->opts[o + 1] == 10) {
		sh->ts_off = o;
		memcpy(&v, sh->opts + o + 2, 4);
		sh->tsval_on = v != 0;
		memcpy(&v, sh->opts + o + 6, 4);
		sh->tsecr_on = v != 0;
	}
	if ((o = opt_offset(sh->opts, sh->optlen, TCP_OPT_MSS)) != -1 &&
	    sh->opts[o + 1] == 4)
		sh->mss_off = o;
	sh->built = 1;
}

/*
 * The options of an ordinary SYN+ACK to seg into r, as set_ops() would
 * build them.  -1 if there is no cache (the caller derives them).
 */
int
pers_synack_opts(struct pers_state *st, const struct fingerprint *fp,
    const struct tcp_seg *seg, struct tcp_reply *r)
{
	struct pers_synack_shape *sh;
	uint32_t		 v;

	if (st->synack == NULL || seg == NULL)
		return (-1);
	sh = &st->synack->shape[SYNACK_IDX(seg->has)];
	if (!sh->built)
		synack_fill(st, fp, seg->has, sh);
	memcpy(r->opts, sh->opts, sh->optlen);
	r->optlen = sh->optlen;
	if (sh->keep)
		return (0);
	r->wscale = sh->wscale;
	r->ts_ok = sh->ts_ok;
	if (sh->ts_off >= 0) {
		v = sh->tsval_on ? pers_tcp_ts_now(st) : 0;
		v = htonl(sh->tsval_on && v == 0 ? 1 : v);
		memcpy(r->opts + sh->ts_off + 2, &v, 4);
		v = sh->tsecr_on ? (seg->tsval != 0 ? seg->tsval : 1) : 0;
		v = htonl(v);
		memcpy(r->opts + sh->ts_off + 6, &v, 4);
	}
	if (sh->mss_off >= 0 && st->plan->mss_echo &&
	    (seg->has & TCP_HAS_MSS) && seg->mss != 0) {
		r->opts[sh->mss_off + 2] = seg->mss >> 8;
		r->opts[sh->mss_off + 3] = seg->mss & 0xff;
	}
	return (0);
}
