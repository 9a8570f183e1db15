#!/bin/bash
# nmap -O names the configured operating system of every virtual host:
# a fixed sample of personalities from the shipped nmap.prints, across
# vendors and device types, each on its own address, one nmap run.
# Every one must be an exact match (see regress/osmatch).  Several are
# the ones regress/netns/p0f.sh shows p0f naming too.
# run.sh: alone (nmap -O, timing-sensitive like routing-nmap.sh)
dir=$(dirname "$0")
names=(
	"Microsoft Windows 7, Windows Server 2012, or Windows 8.1 Update 1"
	"Microsoft Windows 10 1709 - 1803"
	"Microsoft Windows XP SP2 or SP3, or Windows Server 2003"
	"Linux 4.15 - 5.6"
	"Linux 2.6.32"
	"FreeBSD 10.3-RELEASE"
	"OpenBSD 6.1 - 6.4"
	"OpenBSD 4.9 - 5.4"
	"Apple macOS 10.14 (Mojave) (Darwin 18.2.0 - 18.6.0)"
	"Sun Solaris 10"
	"Sun Solaris 2.6"
	"Cisco 2811 router (IOS 12.2 - 12.4)"
	"Cisco Catalyst 2960 switch (IOS 15.2)"
	"Juniper SRX210 firewall (JUNOS 12.1)"
	"MikroTik RouterOS 6.0"
	"HP LaserJet 4250 (JetDirect) printer"
	"Brother HL-5380dn printer"
	"Axis M3006-V network camera"
	"Hikvision DVR"
	"Cisco 7206 running IOS 11.1(24)"
)
args=()
for n in "${names[@]}"; do
	args+=(-N "$n")
done
exec "$dir/../osmatch" -x -p "$dir/../../nmap.prints" -t 300 "${args[@]}"
