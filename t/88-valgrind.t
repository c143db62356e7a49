# SPDX-License-Identifier: ISC
# The master under valgrind (memcheck) through one whole scenario: start,
# every internal service over TCP and UDP, a child server spawned, a
# reload that adds, changes and removes (by refresh on edit, then by
# sinetctl), the control socket, and a stop.
# No invalid access, no definite leak. The workers are not under valgrind:
# their seccomp filters would kill valgrind's own calls; SANITIZE=1 covers
# them (t/*.t under ASan and UBSan).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep);
use Sinetd;

plan skip_all => 'valgrind is not installed'
    if system('command -v valgrind >/dev/null 2>&1') != 0;
plan skip_all => 'the SANITIZE=1 build is not for valgrind'
    if `nm '${\ sinetd_bin()}' 2>/dev/null` =~ /__asan_init/;

my %p = map { $_ => free_port() } qw(echo discard chargen daytime time cat
    added);
my $conf = join '', map {
	"127.0.0.1:$p{$_} stream tcp nowait nobody internal $_\n" .
	"127.0.0.1:$p{$_} dgram udp wait nobody internal $_\n"
} qw(echo discard chargen daytime time);
$conf .= "127.0.0.1:$p{cat} stream tcp nowait nobody /bin/cat cat\n";

my $d = Sinetd->start(refresh => 1, conf => $conf, wait => 0,
    prefix => [ 'valgrind', '-q',
    '--error-exitcode=99', '--leak-check=full',
    '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite',
    '--trace-children=no', '--child-silent-after-fork=yes' ]);
ok($d->wait_log(qr/ready: 11 services/, 60), 'ready under valgrind')
    or diag($d->log_text);
is(tcp_talk('127.0.0.1', $p{echo}, "tcp\n", half_close => 1), "tcp\n",
    'echo/tcp');
is(udp_ask('127.0.0.1', $p{echo}, 'udp'), 'udp', 'echo/udp');
like(tcp_talk('127.0.0.1', $p{daytime}, ''), qr/\d\d:\d\d/, 'daytime/tcp');
is(length(tcp_talk('127.0.0.1', $p{time}, '') // ''), 4, 'time/tcp');
ok(length(tcp_talk('127.0.0.1', $p{chargen}, '', max => 1000) // '') > 0,
    'chargen/tcp');
is(tcp_talk('127.0.0.1', $p{cat}, "spawned\n", half_close => 1),
    "spawned\n", 'a child server spawned');
my ($rc, $status) = $d->ctl('-k', 'status');
is($rc, 0, 'sinetctl -k status');
($rc, $status) = $d->ctl('status');
is($rc, 0, 'sinetctl status: the header and the table');
($rc, $status) = $d->ctl('status', $p{cat});
is($rc, 0, 'sinetctl status SERVICE: the long form');
($rc) = $d->ctl('-j', 'metrics');
is($rc, 0, 'sinetctl -j metrics');

# The reload: one added, the cat line changed, the discard lines removed.
my $new = $conf =~ s{/bin/cat cat\n}{/bin/cat cat -u\n}r;
$new =~ s/^.*internal discard\n//mg;
$new .= "127.0.0.1:$p{added} stream tcp nowait nobody internal echo\n";
# First by the refresh on edit, then once more by sinetctl.
write_file("$d->{dir}/inetd.conf", $new);
ok($d->wait_log(qr/reload by=refresh .*\n.*reload done kept=\d+ changed=1 added=1 removed=2 /s, 60),
    'the refresh applies the edit');
($rc, my $out) = $d->ctl('reload');
is($rc, 0, 'and sinetctl reload after it') or diag($out);
is(tcp_talk('127.0.0.1', $p{added}, "new\n", half_close => 1), "new\n",
    'the added service answers');
is(tcp_talk('127.0.0.1', $p{cat}, "changed\n", half_close => 1),
    "changed\n", 'the changed one too');
is($d->stop(60) >> 8, 0, 'a clean stop, and valgrind found no error')
    or diag($d->log_text);
unlike($d->log_text, qr/==\d+== (Invalid|Conditional|Syscall param|.*definitely lost)/,
    'no invalid access and no definite leak reported') or diag($d->log_text);
done_testing();
