/*
 * An engine in the unit test's own process: crafted packets go into
 * ip_input() and what the engine queues for the parent is read back
 * from the other end of its imsg channel.
 */

#ifndef ENGINE_FIXTURE_H
#define ENGINE_FIXTURE_H

struct fixture_reply {
	uint8_t		 pkt[HONEYD_MAX_PKT];
	size_t		 len;
};

extern int	 fixture_other;		/* messages that were not packets */

int	 fixture_engine(const char *conf_text, size_t maxhosts);
int	 fixture_next(struct fixture_reply *);
int	 fixture_replies(struct fixture_reply *);

#endif /* ENGINE_FIXTURE_H */
