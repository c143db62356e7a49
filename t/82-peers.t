# SPDX-License-Identifier: ISC
# Real servers with their real clients: in.fingerd (fingerd) answering the
# finger client, in.tftpd (tftpd-hpa) as a dgram udp wait service serving
# the tftp client, several gets in a row and two clients at once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use File::Copy qw(copy);
use Test::More;
use Sinetd;

my $peers = build_dir() . '/peers/root/usr/sbin';
my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);

sub have { system("command -v $_[0] >/dev/null 2>&1") == 0 }

subtest 'in.fingerd and finger' => sub {
	plan skip_all => "in.fingerd is not unpacked under build/peers (make peers)"
	    unless -x "$peers/in.fingerd";
	plan skip_all => 'the finger client is not installed' unless have('finger');
	plan skip_all => 'finger has no port option: it needs root to be shown '
	    . 'a private /etc/services' if !privileged() || !have('unshare');
	plan skip_all => $@ unless private_ns();
	my $port = free_port();
	my $d = Sinetd->start(args => ["-l"], conf =>
	    "127.0.0.1:$port stream tcp nowait nobody $peers/in.fingerd in.fingerd\n");
	# finger connects to getservbyname("finger"): give it our port in a
	# private mount namespace, never touching the machine's file.
	my $services = slurp('/etc/services');
	$services =~ s/^finger\s.*$/finger\t\t$port\/tcp/m;
	write_file("$dir/services", $services);
	# / private first: the bind must never reach the host's /etc.
	my $out = `timeout 20 unshare -m --propagation unchanged sh -c 'mount --make-rprivate / && mount --bind $dir/services /etc/services && finger root\@127.0.0.1' 2>&1`;
	like($out, qr/Login: root\s+Name:/, 'finger root@127.0.0.1 is answered');
	ok($d->wait_log(worker_said(undef, qr/child exited peer=127\.0\.0\.1:\d+ child=\d+ exit=0 duration=\d+ms"/)),
	    'in.fingerd exits cleanly');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'in.tftpd and tftp' => sub {
	plan skip_all => "in.tftpd is not unpacked under build/peers (make peers)"
	    unless -x "$peers/in.tftpd";
	plan skip_all => 'the tftp client is not installed' unless have('tftp');
	plan skip_all => 'in.tftpd -s chroots: that needs root' if !privileged();
	my $port = free_port();
	mkdir("$dir/tftp");
	chmod(0755, "$dir/tftp");
	my %files;
	for my $name (qw(a.bin b.bin c.bin)) {
		$files{$name} = join('', map { chr(int(rand(256))) } 1 .. 70000);
		write_file("$dir/tftp/$name", $files{$name});
		chmod(0644, "$dir/tftp/$name");
	}
	# It chroots itself (-s): sys_chroot is no longer in default.policy,
	# so it gets what policy/tftp.policy keeps of root, by its port's name.
	mkdir("$dir/policy");
	write_file("$dir/policy/default.policy", default_policy());
	write_file("$dir/policy/$port.policy",
	    "include default.policy\nroot-caps setuid setgid sys_chroot\n");
	my $d = Sinetd->start(args => ["-l", '-P', "$dir/policy"], conf =>
	    "127.0.0.1:$port dgram udp wait root $peers/in.tftpd in.tftpd -s $dir/tftp -t 1\n");
	my $get = sub {
		my ($name, $to) = @_;
		unlink($to);
		system("cd $dir && timeout 20 tftp -m octet 127.0.0.1 $port "
		    . "-c get $name $to >/dev/null 2>&1");
		return slurp($to);
	};
	for my $name (qw(a.bin b.bin c.bin)) {
		is($get->($name, "$dir/got-$name") eq $files{$name}, 1,
		    "get $name: byte for byte");
	}
	# Two at once: one in.tftpd serves both, or the second waits its turn.
	my @pids;
	for my $name (qw(a.bin c.bin)) {
		my $pid = fork() // die;
		if ($pid == 0) {
			my $ok = $get->($name, "$dir/both-$name") eq $files{$name};
			POSIX::_exit($ok ? 0 : 1);
		}
		push @pids, $pid;
	}
	for my $pid (@pids) {
		waitpid($pid, 0);
		is($? >> 8, 0, "two clients at once: child $pid got its file");
	}
	ok($d->wait_log(worker_said(undef, qr/child exited peer=- child=\d+ exit=0 /), 5),
	    'in.tftpd exits after its timeout, exit 0');
	ok(!$d->exited, 'the daemon runs on');
	is($get->('a.bin', "$dir/again") eq $files{"a.bin"}, 1,
	    'a get after in.tftpd exited starts a new one');
	is($d->stop >> 8, 0, 'clean stop');
};

done_testing();
