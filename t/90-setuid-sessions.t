# SPDX-License-Identifier: ISC
# The second lock-down order: a policy that says no-new-privileges no
# lets a session's setuid programs raise their ids (uucico), which the
# kernel allows only if the filters were loaded by a holder of
# CAP_SYS_ADMIN. Asserted: the setuid exec takes effect there and nowhere
# else; the worker that took this order is as confined as any (its ids,
# capabilities, filters, no core dumps); the filter still kills what the
# policy denies, in the child and in what the setuid program runs.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

plan skip_all => 'setuid programs, users and a second lock-down order: '
    . 'needs root' if !privileged();
my $report = build_dir() . '/t/report';
my ($nobody, $daemon) = (scalar getpwnam('nobody'), scalar getpwnam('daemon'));
my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);
mkdir("$dir/policy");
# A setuid program of another user, as uucico is setuid uucp.
my $suid = "$dir/suid-daemon-report";
copy($report, $suid) or die "copy: $!";
chown($daemon, 0, $suid);
chmod(04755, $suid);

my %p = map { $_ => free_port() } qw(setuid plain syslog);
write_file("$dir/policy/default.policy", default_policy());
for my $name ('setuid', 'syslog') {
	write_file("$dir/policy/$p{$name}.policy",
	    "include default.policy\nno-new-privileges no\n");
}
my $d = Sinetd->start(args => ['-P', "$dir/policy"], conf => <<"EOF");
127.0.0.1:$p{setuid} stream tcp nowait nobody $report report exec=$suid
127.0.0.1:$p{plain} stream tcp nowait nobody $report report exec=$suid
127.0.0.1:$p{syslog} stream tcp nowait nobody $suid report syslog
EOF

sub ask {
	my %r = (Sinetd::tcp_talk('127.0.0.1', $_[0], undef, timeout => 10) // '')
	    =~ /^(\w+)=(.*)$/mg;
	return \%r;
}

my $r = ask($p{setuid});
is($r->{uid}, $nobody, 'no-new-privileges no: the child runs as nobody');
is($r->{euid}, $daemon, 'and its setuid program becomes daemon');
is($r->{no_new_privs}, 0, 'no no_new_privs in the session');
$r = ask($p{plain});
is($r->{euid}, $nobody, 'the default (yes): the setuid bit does nothing');
is($r->{no_new_privs}, 1, 'no_new_privs in the session');

sub status_of {
	my %s = Sinetd::slurp("/proc/$_[0]/status") =~ /^(\w+):\s*(.*)$/mg;
	return \%s;
}
my $w = $d->worker_for($p{setuid});
my $s = status_of($w);
like($s->{Uid}, qr/^$nobody\s+$nobody\s+$nobody\s+$nobody$/,
    'its worker dropped to nobody, every id');
is(hex($s->{CapEff}) | hex($s->{CapPrm}) | hex($s->{CapBnd}), 0,
    'holds no capability, not even in its bounding set');
is($s->{NoNewPrivs}, 0, 'took the second order: no no_new_privs');
is($s->{Seccomp}, 2, 'and yet its filters are on');
cmp_ok($s->{Seccomp_filters} // 2, '>=', 2, 'the guard and the policy');
is((stat("/proc/$w/mem"))[4], 0, 'not dumpable: its /proc files are root\'s');

# A call the policy kills (syslog), made by the setuid program itself.
is(Sinetd::tcp_talk('127.0.0.1', $p{syslog}, undef, timeout => 5), '',
    'a denied call after the setuid exec: no answer');
ok($d->wait_log(qr/policy violation, killed service=$p{syslog} \S+ \S+ child=\d+ peer=\S+ syscall=(syslog|unknown) /, 10),
    'the filter killed it');
is($d->stop >> 8, 0, 'clean stop');
done_testing();
