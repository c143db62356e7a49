# SPDX-License-Identifier: ISC
# Paths follow the program: a policy that confines the files still runs
# the server its line names, wherever it is installed (and tcpd, and the
# program tcpd runs, and a script's interpreter), and the policy file
# follows the program, not the port.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

# Under the build directory: a /tmp would be the pool's own (private-tmp).
my $dir = tempdir(DIR => build_dir(), CLEANUP => 1);
chmod(0755, $dir);
my ($bin, $pol) = ("$dir/opt/sbin", "$dir/policy");
mkdir("$dir/opt");
mkdir($bin);
mkdir($pol);
chmod(0755, "$dir/opt");
chmod(0755, $bin);
my $cat = -x '/usr/bin/cat' ? '/usr/bin/cat' : '/bin/cat';
copy($cat, "$bin/in.fingerd") or die "copy: $!";
chmod(0755, "$bin/in.fingerd");
# A script whose interpreter is a shell: read a line, answer it.
write_file("$bin/in.echod", "#!/bin/sh\nread line\necho \"got \$line\"\n");
chmod(0755, "$bin/in.echod");

# As finger.policy confines it: the system's libraries, nothing of $bin.
my $confined = "include default.policy\n"
    . "fs-read /etc /usr /lib /lib64\nfs-exec /usr/lib /lib /lib64\n";
write_file("$pol/default.policy", default_policy());
write_file("$pol/fingerd.policy", $confined);
write_file("$pol/echod.policy", $confined);
write_file("$pol/tcpd.policy", $confined);
my ($f, $e, $t, $moved) = map { free_port() } 1 .. 4;
# The same by the port, as a site names them today.
write_file("$pol/$_.policy", $confined) for $f, $e, $t;
# What the port would name: a policy no client gets past.
write_file("$pol/$moved.policy", "include default.policy\nonly-from 192.0.2.1\n");
my $tcpd = '/usr/sbin/tcpd';
my $conf = "127.0.0.1:$f stream tcp nowait nobody $bin/in.fingerd in.fingerd\n"
    . "127.0.0.1:$e stream tcp nowait nobody $bin/in.echod in.echod\n"
    . "127.0.0.1:$moved stream tcp nowait nobody $bin/in.fingerd in.fingerd\n";
$conf .= "127.0.0.1:$t stream tcp nowait nobody $tcpd $bin/in.fingerd\n"
    if -x $tcpd;

my $cf = "$dir/check.conf";
write_file($cf, $conf);
my $check = `'${\ sinetd_bin()}' -n -P '$pol' -v $f '$cf' 2>&1`;
like($check, qr{^exec: \Q$bin\E/in\.fingerd \(the server program\): added to fs-exec$}m,
    '-n -v: the line\'s program is added to the fs-exec of its policy');
like($check, qr{^exec: /\S+ \(the ELF interpreter of \Q$bin\E/in\.fingerd\): (?:added to|in) fs-exec$}m,
    'and its dynamic loader');
like($check, qr/^configuration OK$/m, 'and -n passes') or diag($check);
like(`'${\ sinetd_bin()}' -n -P '$pol' -v $e '$cf' 2>&1`,
    qr{^exec: /bin/sh \(the #! interpreter of \Q$bin\E/in\.echod\): added to fs-exec$}m,
    'a script\'s #! interpreter is added too');

my $d = Sinetd->start(args => ['-P', $pol], conf => $conf);
is(Sinetd::tcp_talk('127.0.0.1', $f, "alice\n", half_close => 1), "alice\n",
    'a server outside the policy\'s fs-exec runs: its path is covered');
unlike($d->log_text, qr/cannot execute server/, 'no exec failure');
is(Sinetd::tcp_talk('127.0.0.1', $e, "bob\n", half_close => 1), "got bob\n",
    'a #! script runs, its interpreter covered too');
is(Sinetd::tcp_talk('127.0.0.1', $moved, "carol\n", half_close => 1),
    "carol\n", 'the file follows the program, not the port: '
    . "$moved.policy (only-from elsewhere) is not read");
SKIP: {
	skip "no $tcpd here", 2 unless -x $tcpd;
	is(Sinetd::tcp_talk('127.0.0.1', $t, "dave\n", half_close => 1),
	    "dave\n", 'a tcpd line runs: tcpd and the program it runs covered');
	like(`'${\ sinetd_bin()}' -n -P '$pol' -v $t '$cf' 2>&1`,
	    qr{^policy: \Q$pol\E/fingerd\.policy$}m,
	    'named after the program tcpd runs');
}
is($d->stop >> 8, 0, 'clean stop');

# Start-up says what -n would, and starts the service anyway: the
# program may be installed later.
my $late = free_port();
$d = Sinetd->start(args => ['-P', $pol], conf =>
    "127.0.0.1:$late stream tcp nowait nobody $bin/in.later in.later\n");
like($d->log_text, qr{\Q$d->{conf}\E:1: server: \Q$bin\E/in\.later \(the server program\): No such file or directory},
    'start-up warns of a server program that is not there');
like($d->log_text, qr/ready: 1 services$/m, 'and starts the service');
copy($cat, "$bin/in.later") or die "copy: $!";
chmod(0755, "$bin/in.later");
is(Sinetd::tcp_talk('127.0.0.1', $late, "erin\n", half_close => 1),
    "erin\n", 'which serves once the program is installed');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
