# honeyd: a virtual honeypot daemon.
#
#   make            build honeyd into build/
#   make unit       the unit test programs too
#   make asan       the same with ASan and UBSan, into build-asan/
#   make test       install what the tests need, build, run the whole suite
#   make demo       run honeyd in a pair of network namespaces
#   make bench      measure packet rate, latency and memory
#   make fuzz       build the libFuzzer targets (clang) into build-fuzz/ and
#                   run each FUZZ_SECONDS (default 60)
#   make install    PREFIX=/usr/local DESTDIR=
#   make prints     regenerate nmap.prints from the system's nmap-os-db

PREFIX ?=	/usr/local
SBINDIR ?=	$(PREFIX)/sbin
SHAREDIR ?=	$(PREFIX)/share/honeyd
MANDIR ?=	$(PREFIX)/share/man
SYSCONFDIR ?=	/etc/honeyd

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
		-Iprivsep -Ihoneyd $(PKG_CFLAGS) $(DNET_CFLAGS) $(CFLAGS)
ALL_LIBS =	$(PKG_LIBS) $(DNET_LIBS) -lm $(LDLIBS)

PRIVSEP_SRCS =	privsep/imsg.c \
		privsep/imsg_event.c \
		privsep/proc.c \
		privsep/sandbox.c

# Everything but main(): unit tests link against the same objects.
LIB_SRCS =	honeyd/addr.c \
		honeyd/arp.c \
		honeyd/cage.c \
		honeyd/capture.c \
		honeyd/claim.c \
		honeyd/config.c \
		honeyd/ctlrec.c \
		honeyd/engine.c \
		honeyd/ether.c \
		honeyd/eventlog.c \
		honeyd/fingerprint.c \
		honeyd/flow.c \
		honeyd/hash.c \
		honeyd/fpexpr.c \
		honeyd/host.c \
		honeyd/icmp.c \
		honeyd/ip.c \
		honeyd/ipfrag.c \
		honeyd/log.c \
		honeyd/passive.c \
		honeyd/passive_db.c \
		honeyd/pers_check.c \
		honeyd/pers_icmp.c \
		honeyd/pers_isn.c \
		honeyd/pers_plan.c \
		honeyd/pers_seq.c \
		honeyd/pers_tcp.c \
		honeyd/personality.c \
		honeyd/printconf.c \
		honeyd/proxy.c \
		honeyd/relay.c \
		honeyd/router.c \
		honeyd/service.c \
		honeyd/tcp.c \
		honeyd/tcpbuf.c \
		honeyd/udp.c \
		honeyd/wire.c

LIB_OBJS =	$(PRIVSEP_SRCS:%.c=$(OBJ)/obj/%.o) $(LIB_SRCS:%.c=$(OBJ)/obj/%.o) \
		$(OBJ)/obj/honeyd/parse.o
HEADERS =	$(wildcard privsep/*.h honeyd/*.h)

UNIT_SRCS =	$(wildcard regress/unit/test_*.c)
UNIT_BINS =	$(UNIT_SRCS:%.c=$(OBJ)/%)

all: $(OBJ)/honeyd $(OBJ)/config_check $(OBJ)/flood

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
PATHS =		$(SHAREDIR) $(SYSCONFDIR)
$(OBJ)/paths.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PATHS)' | cmp -s - $@ || echo '$(PATHS)' > $@
$(OBJ)/obj/honeyd/honeyd.o: $(OBJ)/paths.stamp

$(OBJ)/obj/honeyd/parse.c: honeyd/parse.y
	@mkdir -p $(dir $@)
	$(YACC) -o $@ $<

# bison output is not ours to keep warning-free in every corner.
$(OBJ)/obj/honeyd/parse.o: $(OBJ)/obj/honeyd/parse.c $(HEADERS)
	@[ -n "$(Q)" ] && echo "  CC      $<" || true
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-unused-but-set-variable -c -o $@ $<

$(OBJ)/config_check: regress/unit/config_check.c $(OBJ)/libhoneyd.a
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LIBS)

# Every unit test links the in-process engine of engine_fixture.c.
UNIT_COMMON =	regress/unit/engine_fixture.c
$(OBJ)/regress/unit/%: regress/unit/%.c regress/unit/unit.h $(UNIT_COMMON) \
    regress/unit/engine_fixture.h $(OBJ)/libhoneyd.a
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(UNIT_COMMON) $(OBJ)/libhoneyd.a \
	    $(ALL_LIBS)

# The fuzz targets (regress/fuzz/fuzz_NAME.c) replay their committed
# corpus as ordinary unit programs, without libFuzzer: test_fuzz_NAME.
FUZZ_TARGETS =	config fprint imsg packet passive
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
	$(MAKE) all
	regress/bench/run.sh

prints:
	tools/mkprints > nmap.prints

install: $(OBJ)/honeyd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SHAREDIR) \
	    $(DESTDIR)$(SHAREDIR)/scripts $(DESTDIR)$(SYSCONFDIR) \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(OBJ)/honeyd $(DESTDIR)$(SBINDIR)/honeyd
	install -m 644 nmap.prints $(DESTDIR)$(SHAREDIR)/nmap.prints
	install -m 644 conf/honeyd.conf $(DESTDIR)$(SHAREDIR)/honeyd.conf.example
	for f in scripts/*; do [ -f "$$f" ] && \
	    install -m 755 "$$f" $(DESTDIR)$(SHAREDIR)/scripts/; done; true
	[ ! -f honeyd/honeyd.8 ] || \
	    install -m 644 honeyd/honeyd.8 $(DESTDIR)$(MANDIR)/man8/

clean:
	rm -rf build build-asan build-fuzz

FORCE:

.PHONY: all unit asan deps test demo bench prints install clean FORCE \
	fuzz fuzz-bins fuzz-build
