# sinetd -n: checks the configuration, prints every error as
# file:line: field: reason, binds nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

my $dir = tempdir(CLEANUP => 1);
my $port = free_port();

sub run_check {
	my (@args) = @_;
	my $out = "$dir/out";
	my $err = "$dir/err";
	system("'" . sinetd_bin() . "' @args >$out 2>$err");
	return ($? >> 8, slurp($out), slurp($err));
}

write_file("$dir/good.conf", <<"EOF");
# every form of line -n must accept
127.0.0.1:$port stream tcp nowait nobody internal echo
[::1]:$port dgram udp6 wait nobody.nogroup internal echo
EOF
my ($rc, $out, $err) = run_check('-n', "$dir/good.conf");
is($rc, 0, 'a clean file exits 0');
is($out, "configuration OK\n", 'and says configuration OK');
is($err, '', 'and nothing else');
ok(port_free($port), '-n binds nothing');

write_file("$dir/bad.conf", <<"EOF");
127.0.0.1:$port stream tcp nowait nobody internal echo
echo stream tcpx nowait root internal
$port stream tcp nowait nosuchuser internal echo

daytime stream tcp nowait.0 root internal
EOF
($rc, $out, $err) = run_check('-n', "$dir/bad.conf");
is($rc, 1, 'a file with errors exits 1');
is($out, '', 'and does not say OK');
my @lines = split /\n/, $err;
is(scalar(@lines), 3, 'one line per error');
like($lines[0], qr{^\Q$dir\E/bad\.conf:2: protocol: unknown protocol "tcpx"},
    'file:line: field: reason (protocol)');
like($lines[1], qr{^\Q$dir\E/bad\.conf:3: user: unknown user "nosuchuser"},
    'file:line: field: reason (user)');
like($lines[2], qr{^\Q$dir\E/bad\.conf:5: wait: "0": the spawn limit},
    'file:line: field: reason (wait)');

($rc, $out, $err) = run_check('-n', "$dir/missing.conf");
is($rc, 1, 'a missing file exits 1');
like($err, qr{missing\.conf: cannot open: No such file}, 'and names the file');

($rc, $out, $err) = run_check('-n', '-u', 'nosuchuser', "$dir/good.conf");
is($rc, 1, 'an unknown -u user fails the check');
like($err, qr/-u: unknown user "nosuchuser"/, 'and says so');

($rc, $out, $err) = run_check('-Z');
is($rc, 2, 'an unknown option exits 2');
like($err, qr/^usage: sinetd \[-dEiln\]/m, 'with the usage');

($rc, $out, $err) = run_check('-n', '-o', 'idle-timeout=forever',
    "$dir/good.conf");
is($rc, 2, 'a bad -o value exits 2');
like($err, qr/idle-timeout=forever: not a duration/, 'and says why');

($rc, $out, $err) = run_check('-n', '-q', '0', "$dir/good.conf");
is($rc, 2, 'a backlog of 0 is refused');

($rc, $out, $err) = run_check('-X');
is($rc, 2, 'the worker role refuses to run by hand');
like($err, qr/worker that sinetd starts itself/, 'and says why');

done_testing();
