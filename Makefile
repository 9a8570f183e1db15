# honeyd: a virtual honeypot daemon.
#
#   make            build honeyd into build/
#   make unit       the unit test programs too
#   make asan       the same with ASan and UBSan, into build-asan/
#   make test       install what the tests need, build, run the whole suite
#   make demo       run honeyd in a pair of network namespaces
#   make bench      measure packet rate, latency and memory
#   make torture    a million hostile packets, then the daemon's health
#   make fuzz       build the libFuzzer targets (clang) into build-fuzz/ and
#                   run each FUZZ_SECONDS (default 60)
#   make install    PREFIX=/usr/local DESTDIR= (NOBUILD=1: what OBJ holds)
#   make uninstall  the same variables: removes what install put there
#   make prints     regenerate nmap.prints from the system's nmap-os-db

PREFIX ?=	/usr/local
SBINDIR ?=	$(PREFIX)/sbin
SHAREDIR ?=	$(PREFIX)/share/honeyd
LIBDIR ?=	$(PREFIX)/lib/honeyd
MANDIR ?=	$(PREFIX)/share/man
SYSCONFDIR ?=	/etc/honeyd
SYSTEMDDIR ?=	/lib/systemd/system
LOGROTATEDIR ?=	/etc/logrotate.d
DEFAULTDIR ?=	/etc/default
LOGDIR ?=	/var/log/honeyd
CHROOTDIR ?=	/var/empty
HONEYD_USER ?=	_honeyd

CC ?=		cc
YACC =		bison
WARNINGS =	-Wall -Wextra -Werror -Wno-unused-parameter \
		-Wstrict-prototypes -Wmissing-prototypes -Wshadow \
		-Wpointer-arith
PKGS =		libbsd-overlay libevent libpcap libseccomp
PKG_CFLAGS :=	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS :=	$(shell pkg-config --libs $(PKGS) 2>/dev/null)
DNET_CFLAGS :=	$(shell dumbnet-config --cflags 2>/dev/null)
DNET_LIBS :=	$(shell dumbnet-config --libs 2>/dev/null)

# "make V=1" shows the compiler command lines.
V ?=		0
ifeq ($(V),0)
Q =		@
endif

# Objects go to build/, the sanitizer build to build-asan/.
OBJ ?=		build
OPT ?=		-O2 -g
SANITIZE =	-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined

ALL_CFLAGS =	$(OPT) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE \
		-DHONEYD_PRINTS=\"$(SHAREDIR)/nmap.prints\" \
		-DHONEYD_CONF=\"$(SYSCONFDIR)/honeyd.conf\" \
		-DHONEYD_SVCDIR=\"$(SHAREDIR)\" \
		-DHONEYD_PRELOAD=\"$(LIBDIR)/honeyd_preload.so\" \
		-Iprivsep -Ihoneyd $(PKG_CFLAGS) $(DNET_CFLAGS) $(CFLAGS)
ALL_LIBS =	$(PKG_LIBS) $(DNET_LIBS) -lm $(LDLIBS)

PRIVSEP_SRCS =	privsep/imsg.c \
		privsep/imsg_event.c \
		privsep/proc.c \
		privsep/sandbox.c

# Everything but main(): unit tests link against the same objects.
LIB_SRCS =	honeyd/addr.c \
		honeyd/arp.c \
		honeyd/arpguard.c \
		honeyd/cage.c \
		honeyd/capture.c \
		honeyd/claim.c \
		honeyd/config.c \
		honeyd/control.c \
		honeyd/control_parent.c \
		honeyd/ctlrec.c \
		honeyd/dhcp.c \
		honeyd/engine.c \
		honeyd/engines.c \
		honeyd/ether.c \
		honeyd/extbind.c \
		honeyd/eventlog.c \
		honeyd/fingerprint.c \
		honeyd/flow.c \
		honeyd/framebatch.c \
		honeyd/fragq.c \
		honeyd/hash.c \
		honeyd/fpexpr.c \
		honeyd/host.c \
		honeyd/icmp.c \
		honeyd/icmp6.c \
		honeyd/icmp6err.c \
		honeyd/ip.c \
		honeyd/ip6.c \
		honeyd/ip6ext.c \
		honeyd/ip6frag.c \
		honeyd/ipfrag.c \
		honeyd/lease.c \
		honeyd/log.c \
		honeyd/ndp.c \
		honeyd/notify.c \
		honeyd/passive.c \
		honeyd/passive_db.c \
		honeyd/pers_check.c \
		honeyd/pers_icmp.c \
		honeyd/pers_isn.c \
		honeyd/pers_plan.c \
		honeyd/pers_seq.c \
		honeyd/pers_synack.c \
		honeyd/pers_tcp.c \
		honeyd/personality.c \
		honeyd/printconf.c \
		honeyd/proxy.c \
		honeyd/relay.c \
		honeyd/router.c \
		honeyd/service.c \
		honeyd/stackmodel.c \
		honeyd/stats.c \
		honeyd/sublisten.c \
		honeyd/subsys.c \
		honeyd/tcp.c \
		honeyd/tcpbuf.c \
		honeyd/udp.c \
		honeyd/wire.c

LIB_OBJS =	$(PRIVSEP_SRCS:%.c=$(OBJ)/obj/%.o) $(LIB_SRCS:%.c=$(OBJ)/obj/%.o) \
		$(OBJ)/obj/honeyd/parse.o
HEADERS =	$(wildcard privsep/*.h honeyd/*.h)

UNIT_SRCS =	$(wildcard regress/unit/test_*.c)
UNIT_BINS =	$(UNIT_SRCS:%.c=$(OBJ)/%)

all: $(OBJ)/honeyd $(OBJ)/config_check $(OBJ)/flood $(OBJ)/hostile
all: $(OBJ)/honeydctl $(OBJ)/honeyd_preload.so

# The library preloaded into subsystems' programs (subsys_preload.c):
# never sanitized, whatever the build, since the programs are not.
$(OBJ)/honeyd_preload.so: honeyd/subsys_preload.c honeyd/subsys.h
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) -O2 -g $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -fPIC -shared \
	    $(CFLAGS) $(LDFLAGS) -o $@ $< -ldl -lpthread

$(OBJ)/honeyd: $(OBJ)/obj/honeyd/honeyd.o $(OBJ)/libhoneyd.a
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(OBJ)/libhoneyd.a: $(LIB_OBJS)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(OBJ)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  CC      $<" || true
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The installed paths are compiled in: rebuild when PREFIX and friends change.
PATHS =		$(SHAREDIR) $(SYSCONFDIR) $(LIBDIR)
$(OBJ)/paths.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PATHS)' | cmp -s - $@ || echo '$(PATHS)' > $@
$(OBJ)/obj/honeyd/honeyd.o $(OBJ)/obj/honeyd/subsys.o: $(OBJ)/paths.stamp

$(OBJ)/obj/honeyd/parse.c: honeyd/parse.y
	@mkdir -p $(dir $@)
	$(YACC) -o $@ $<

# bison output is not ours to keep warning-free in every corner.
$(OBJ)/obj/honeyd/parse.o: $(OBJ)/obj/honeyd/parse.c $(HEADERS)
	@[ -n "$(Q)" ] && echo "  CC      $<" || true
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-unused-but-set-variable -c -o $@ $<

$(OBJ)/config_check: regress/lib/config_check.c $(OBJ)/libhoneyd.a
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LIBS)

# Every unit test links the in-process engine of engine_fixture.c.
UNIT_COMMON =	regress/lib/engine_fixture.c
$(OBJ)/regress/unit/%: regress/unit/%.c regress/unit/unit.h $(UNIT_COMMON) \
    regress/lib/engine_fixture.h regress/lib/parent_fixture.h \
    $(OBJ)/libhoneyd.a
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(ALL_CFLAGS) -Iregress/lib -o $@ $< $(UNIT_COMMON) \
	    $(OBJ)/libhoneyd.a $(ALL_LIBS)

# honeydctl, the control tool: of the daemon it needs only imsg and the
# control records.  Its unit test links the same objects but main's.
CTL_SRCS =	honeydctl/parser.c \
		honeydctl/output.c
CTL_OBJS =	$(CTL_SRCS:%.c=$(OBJ)/obj/%.o) $(OBJ)/obj/privsep/imsg.o \
		$(OBJ)/obj/honeyd/ctlrec.o $(OBJ)/obj/honeyd/addr.o
CTL_LIBS :=	$(shell pkg-config --libs libbsd-overlay libedit 2>/dev/null)

$(CTL_SRCS:%.c=$(OBJ)/obj/%.o) $(OBJ)/obj/honeydctl/honeydctl.o: \
    honeydctl/honeydctl.h

$(OBJ)/honeydctl: $(OBJ)/obj/honeydctl/honeydctl.o $(CTL_OBJS)
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CTL_LIBS)

$(OBJ)/regress/unit/test_honeydctl: regress/unit/test_honeydctl.c \
    regress/unit/unit.h honeydctl/honeydctl.h $(CTL_OBJS)
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(ALL_CFLAGS) -Ihoneydctl -o $@ $< $(CTL_OBJS) $(CTL_LIBS)

# The fuzz targets (regress/fuzz/fuzz_NAME.c) replay their committed
# corpus as ordinary unit programs, without libFuzzer: test_fuzz_NAME.
FUZZ_TARGETS =	config fprint imsg packet passive framebatch ip6
FUZZ_REPLAY =	$(FUZZ_TARGETS:%=$(OBJ)/regress/unit/test_fuzz_%)
FUZZ_COMMON =	regress/fuzz/fuzz_common.c
FUZZ_HDRS =	regress/fuzz/fuzz.h $(HEADERS)

$(OBJ)/regress/unit/test_fuzz_%: regress/fuzz/fuzz_%.c regress/fuzz/replay.c \
    $(FUZZ_COMMON) $(FUZZ_HDRS) $(OBJ)/libhoneyd.a
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(ALL_CFLAGS) -Iregress/fuzz -DFUZZ_NAME=\"$*\" -o $@ \
	    regress/fuzz/fuzz_$*.c regress/fuzz/replay.c $(FUZZ_COMMON) \
	    $(OBJ)/libhoneyd.a $(ALL_LIBS)

unit: $(UNIT_BINS) $(FUZZ_REPLAY)

# libFuzzer builds: everything instrumented, each target linked with
# -fsanitize=fuzzer.  "make fuzz FUZZ_SECONDS=900 FUZZ_TARGETS=packet".
FUZZ_CC ?=	clang-14
FUZZ_SECONDS ?=	60
FUZZ_OPT =	-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link
FUZZ_BINS =	$(FUZZ_TARGETS:%=$(OBJ)/fuzz/fuzz_%)

$(OBJ)/fuzz/fuzz_%: regress/fuzz/fuzz_%.c $(FUZZ_COMMON) $(FUZZ_HDRS) \
    $(OBJ)/libhoneyd.a
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -Iregress/fuzz -o $@ \
	    regress/fuzz/fuzz_$*.c $(FUZZ_COMMON) $(OBJ)/libhoneyd.a \
	    $(ALL_LIBS)

fuzz-bins: $(FUZZ_BINS)

fuzz-build:
	$(MAKE) OBJ=build-fuzz CC=$(FUZZ_CC) OPT="$(FUZZ_OPT)" fuzz-bins

fuzz: fuzz-build
	regress/fuzz/run.sh -t $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The load generator of the benchmark and of netns/burst.sh: standalone.
$(OBJ)/flood: regress/bench/flood.c
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(OPT) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE $(CFLAGS) \
	    $(LDFLAGS) -o $@ $<

# The hostile-traffic generator of the soak test (netns/torture.sh).
$(OBJ)/hostile: regress/torture/hostile.c
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(OPT) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE $(CFLAGS) \
	    $(LDFLAGS) -o $@ $<

asan:
	$(MAKE) OBJ=build-asan OPT="$(SANITIZE)" all unit

deps:
	regress/deps.sh build

test:
	regress/deps.sh test
	$(MAKE) all unit
	$(MAKE) asan
	regress/run.sh

demo:
	regress/deps.sh test
	$(MAKE) all
	regress/demo.sh

bench:
	regress/deps.sh test
	$(MAKE) all $(OBJ)/regress/unit/test_hosts
	regress/bench/run.sh

# The soak: a million hostile packets at the plain build (regress/README).
torture:
	regress/deps.sh test
	$(MAKE) all
	HONEYD=build/honeyd TORTURE_PACKETS=1000000 TORTURE_SYNFLOOD=1000000 \
	    TORTURE_CONNS=1000 regress/netns/torture.sh

prints:
	tools/mkprints > nmap.prints

# install builds honeyd first unless NOBUILD=1 (the tests install the
# build under test as it is).  Operators' files, the configuration and
# $(DEFAULTDIR)/honeyd, are written only where none exists; the user is
# created on the running system only (not with DESTDIR, not as non-root).
ifeq ($(NOBUILD),)
INSTALL_DEPS =	$(OBJ)/honeyd $(OBJ)/honeydctl $(OBJ)/honeyd_preload.so
endif
SUBST =		sed -e 's|@SBINDIR@|$(SBINDIR)|g' \
		    -e 's|@SHAREDIR@|$(SHAREDIR)|g' \
		    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		    -e 's|@DEFAULTDIR@|$(DEFAULTDIR)|g' \
		    -e 's|@LOGDIR@|$(LOGDIR)|g'
EXAMPLES =	$(wildcard conf/*.conf)
SCRIPTS =	$(wildcard scripts/*.sh)

install: $(INSTALL_DEPS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SHAREDIR)/scripts \
	    $(DESTDIR)$(SHAREDIR)/examples $(DESTDIR)$(SYSCONFDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(LOGROTATEDIR) \
	    $(DESTDIR)$(DEFAULTDIR)
	install -m 755 $(OBJ)/honeyd $(DESTDIR)$(SBINDIR)/honeyd
	install -m 755 $(OBJ)/honeydctl $(DESTDIR)$(SBINDIR)/honeydctl
	install -d $(DESTDIR)$(LIBDIR)
	install -m 644 $(OBJ)/honeyd_preload.so $(DESTDIR)$(LIBDIR)/
	install -m 644 nmap.prints $(DESTDIR)$(SHAREDIR)/nmap.prints
	install -m 644 $(EXAMPLES) $(DESTDIR)$(SHAREDIR)/examples/
	install -m 755 $(SCRIPTS) $(DESTDIR)$(SHAREDIR)/scripts/
	install -m 644 honeyd/honeyd.8 $(DESTDIR)$(MANDIR)/man8/honeyd.8
	install -m 644 honeyd/honeyd.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/honeyd.conf.5
	install -m 644 honeydctl/honeydctl.8 \
	    $(DESTDIR)$(MANDIR)/man8/honeydctl.8
	$(SUBST) conf/honeyd.service.in > $(DESTDIR)$(SYSTEMDDIR)/honeyd.service
	chmod 644 $(DESTDIR)$(SYSTEMDDIR)/honeyd.service
	$(SUBST) conf/honeyd.logrotate.in > $(DESTDIR)$(LOGROTATEDIR)/honeyd
	chmod 644 $(DESTDIR)$(LOGROTATEDIR)/honeyd
	@for f in $(SYSCONFDIR)/honeyd.conf:conf/honeyd.conf \
	    $(DEFAULTDIR)/honeyd:conf/honeyd.default; do \
		dst=$(DESTDIR)$${f%%:*}; \
		if [ -e "$$dst" ]; then \
			echo "install: keeping the existing $$dst"; \
		else \
			echo "install -m 644 $${f#*:} $$dst"; \
			install -m 644 "$${f#*:}" "$$dst" || exit 1; \
		fi; \
	done
	install -d -m 755 $(DESTDIR)$(CHROOTDIR)
	@if [ "$$(id -u)" -eq 0 ]; then \
		chown root:root $(DESTDIR)$(CHROOTDIR) && \
		    chmod 755 $(DESTDIR)$(CHROOTDIR); \
	fi
	@if [ -n "$(DESTDIR)" ]; then \
		echo "install: DESTDIR is a staging tree: not creating" \
		    "the user $(HONEYD_USER)"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
		echo "install: not root: not creating the user" \
		    "$(HONEYD_USER) (honeyd would use nobody)"; \
	elif getent passwd $(HONEYD_USER) >/dev/null; then \
		echo "install: user $(HONEYD_USER) exists"; \
	else \
		if getent group $(HONEYD_USER) >/dev/null; then \
			grp="--gid $(HONEYD_USER)"; \
		else \
			grp="--user-group"; \
		fi; \
		echo "useradd --system $$grp $(HONEYD_USER)"; \
		useradd --system $$grp --no-create-home \
		    --home-dir $(CHROOTDIR) --shell /usr/sbin/nologin \
		    --comment "honeyd engine" $(HONEYD_USER) || exit 1; \
	fi
	@[ -n "$(DESTDIR)" ] || echo "install: run \"systemctl daemon-reload\"" \
	    "before \"systemctl enable --now honeyd\""

# Everything install wrote but the operator's files; those only if still
# as shipped.  The user and the chroot directory (shared) stay.
uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/honeyd_preload.so
	-rmdir $(DESTDIR)$(LIBDIR) 2>/dev/null
	rm -f $(DESTDIR)$(SBINDIR)/honeyd $(DESTDIR)$(SBINDIR)/honeydctl \
	    $(DESTDIR)$(MANDIR)/man8/honeyd.8 \
	    $(DESTDIR)$(MANDIR)/man8/honeydctl.8 \
	    $(DESTDIR)$(MANDIR)/man5/honeyd.conf.5 \
	    $(DESTDIR)$(SYSTEMDDIR)/honeyd.service \
	    $(DESTDIR)$(LOGROTATEDIR)/honeyd
	rm -f $(DESTDIR)$(SHAREDIR)/nmap.prints \
	    $(DESTDIR)$(SHAREDIR)/honeyd.conf.example \
	    $(EXAMPLES:conf/%=$(DESTDIR)$(SHAREDIR)/examples/%) \
	    $(SCRIPTS:%=$(DESTDIR)$(SHAREDIR)/%)
	-rmdir $(DESTDIR)$(SHAREDIR)/examples $(DESTDIR)$(SHAREDIR)/scripts \
	    $(DESTDIR)$(SHAREDIR) 2>/dev/null
	@for f in $(SYSCONFDIR)/honeyd.conf:conf/honeyd.conf \
	    $(DEFAULTDIR)/honeyd:conf/honeyd.default; do \
		dst=$(DESTDIR)$${f%%:*}; \
		[ -e "$$dst" ] || continue; \
		if cmp -s "$${f#*:}" "$$dst"; then \
			echo "rm -f $$dst"; rm -f "$$dst"; \
		else \
			echo "uninstall: keeping $$dst (changed since" \
			    "install: the operator's)"; \
		fi; \
	done
	-@rmdir $(DESTDIR)$(SYSCONFDIR) 2>/dev/null || true
	@echo "uninstall: the user $(HONEYD_USER), $(CHROOTDIR) and" \
	    "$(LOGDIR) stay; remove them by hand if no longer wanted"

clean:
	rm -rf build build-asan build-fuzz

FORCE:

.PHONY: all unit asan deps test demo bench torture prints install uninstall \
	clean FORCE \
	fuzz fuzz-bins fuzz-build
