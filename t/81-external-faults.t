# Faults of external services the limits must survive: an exec that fails
# gives its max-child slot back.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

$ENV{TMPDIR} //= '/tmp';
my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);
my $prog = "$dir/late-server";
my $late = free_port();
my $d = Sinetd->start(conf => <<"EOF2");
127.0.0.1:$late stream tcp nowait/2 nobody $prog late-server
EOF2

subtest 'a failed exec gives its max-child slot back (nowait/2)' => sub {
	is(tcp_talk('127.0.0.1', $late, undef, timeout => 2) // '', '',
	    "connection $_: the program is missing, the connection closed")
	    for 1 .. 2;
	ok($d->wait_log(worker_said($late, qr/cannot execute server program=\Q$prog\E/)),
	    'the failure is logged');
	my $st = '';
	ok(wait_for(5, sub { (undef, $st) = $d->ctl('status', $late);
	    $st =~ /\bchildren=0\b/ && $st =~ /\bexec_failed=2\b/ }),
	    'status: children=0 exec_failed=2') or diag($st);
	write_file($prog, "#!/bin/sh\necho served\n");
	chmod(0755, $prog);
	is(tcp_talk('127.0.0.1', $late, undef, timeout => 3), "served\n",
	    'once the program is there, a third connection is served');
};

ok(!$d->exited, 'the daemon is still running');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
