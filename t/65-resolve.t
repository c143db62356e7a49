# SPDX-License-Identifier: ISC
# Host names in inetd.conf are resolved with a bound: a resolver that
# never answers costs each name at most two seconds and a whole load at
# most six, so start-up (and a reload) goes on and says which names could
# not be resolved, and why.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Socket::IP;
use Test::More;
use Time::HiRes qw(time);
use Sinetd;

plan skip_all => 'needs root: a private /etc/resolv.conf in a mount '
    . 'namespace, and port 53 on 127.0.0.1' if !privileged();
my @ns = private_ns() or plan skip_all => $@;

# A name server that takes every question and answers none.
my $mute = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 53,
    Proto => 'udp') or plan skip_all => "127.0.0.1:53 is taken: $!";
my $dir = tempdir(CLEANUP => 1);
write_file("$dir/resolv.conf",
    "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n");

my $e = free_port();
my @p = map { free_port() } 0 .. 5;
my $conf = "127.0.0.1:$e stream tcp nowait nobody internal echo\n";
$conf .= "host$_-$$.sinetd.test:$p[$_] stream tcp nowait nobody internal echo\n"
    for 0 .. 5;

my $t0 = time;
my $d = Sinetd->start(conf => $conf, prefix => [@ns, 'sh', '-c',
    "mount --bind $dir/resolv.conf /etc/resolv.conf && exec \"\$@\"", 'sh']);
my $took = time - $t0;
# The resolver alone would wait 6 names x 2 attempts x 5 s: 60 s; with
# 2 s per name and no budget for the load, 12 s.
cmp_ok($took, '<', 11, sprintf('ready with six unanswered names (%.1f s; '
    . 'unbounded, the resolver would take 60 s)', $took));
is($d->count_log(qr/cannot resolve "host[0-2]-$$\.sinetd\.test": no answer within 2 s/), 3,
    'the first three names are each given 2 s');
is($d->count_log(qr/cannot resolve "host[3-5]-$$\.sinetd\.test": not looked up, this load's 6 s for name lookups are spent/), 3,
    'then the load\'s 6 s are spent: the others are not looked up, and say so');
is(Sinetd::tcp_talk('127.0.0.1', $e, "on\n", half_close => 1), "on\n",
    'the other service serves');
my ($rc) = $d->ctl('-k', 'status');
is($rc, 0, 'and the master answers status');
is($d->stop >> 8, 0, 'clean stop');
close($mute);
done_testing();
