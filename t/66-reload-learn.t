# SPDX-License-Identifier: ISC
# A learning-mode child server outlives its pool: after a reload removed
# its service and the pool was freed, its calls still reach the master,
# which must not read what it freed (run under SANITIZE=1 to see it).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

my $port = free_port();
my $dir = tempdir(CLEANUP => 1);
mkdir("$dir/policy");
write_file("$dir/policy/default.policy", default_policy());
write_file("$dir/policy/$port.policy", "syscalls exit_group\naction log\n");
my $echo = free_port();
my $keep = "127.0.0.1:$echo stream tcp nowait nobody internal echo\n";
# It waits for the reload, then makes calls it never made before.
my $line = "127.0.0.1:$port stream tcp nowait nobody /bin/sh sh -c "
    . "'read go; uname -a; ls / >/dev/null; echo end'\n";
my $d = Sinetd->start(args => ['-P', "$dir/policy"], conf => $keep . $line);
my $s = tcp_connect('127.0.0.1', $port);
ok($d->wait_log(qr/first use service=$port /, 5), 'the learning child runs');
write_file($d->{conf}, $keep);
my ($rc) = $d->ctl('reload');
is($rc, 0, 'a reload removes its service');
ok(wait_for(5, sub { !grep { cmdline($_) =~ /service=$port / } $d->workers }),
    'and its pool is gone');
syswrite($s, "go\n");
like(Sinetd::read_some($s, 4096, 5) // '', qr/end/,
    'the child goes on, its calls let through');
close($s);
ok(pid_alive($d->pid), 'the master is alive');
($rc) = $d->ctl('-k', 'status');
is($rc, 0, 'and answers');
is(Sinetd::tcp_talk('127.0.0.1', $echo, "x\n", half_close => 1), "x\n",
    'and serves');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
