# SPDX-License-Identifier: ISC
# Files an administrator (or an editor's crash) can leave behind: empty,
# binary garbage, a 1 MB line, 10,000 lines, an include that loops, a
# file that vanishes before a reload. Each is a clear error naming where,
# from -n and from a reload, and costs nothing: the running services keep
# answering.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(sleep);
use Sinetd;

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;

sub check {
	my (@args) = @_;
	my $out = `'${\ sinetd_bin()}' -n @args 2>&1`;
	return ($? >> 8, $out);
}

sub garbage {
	my ($path, $n) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh pack('C*', map { int(rand(256)) } 1 .. $n);
	close $fh;
}

subtest 'inetd.conf: -n on hostile files' => sub {
	write_file("$dir/empty.conf", '');
	my ($rc, $out) = check("$dir/empty.conf");
	is($rc, 0, 'an empty file is a configuration of no service');

	garbage("$dir/garbage.conf", 65536);
	($rc, $out) = check("$dir/garbage.conf");
	is($rc, 1, 'binary garbage: refused');
	like($out, qr/^\Q$dir\E\/garbage\.conf:\d+: /m,
	    'each error names the file and line');
	unlike($out, qr/[\x00-\x08\x0e-\x1f\x7f]/,
	    'and prints no control character of the input');

	write_file("$dir/long.conf", 'x' x (1 << 20) . "\n");
	($rc, $out) = check("$dir/long.conf");
	is($rc, 1, 'a 1 MB line: refused');
	like($out, qr/^\Q$dir\E\/long\.conf:1: /m, 'at line 1');
	cmp_ok(length($out), '<', 4096, 'with a short message');

	my $port = free_port();
	write_file("$dir/many.conf", join '', map {
		"127.0.0.1:$port stream tcp nowait nobody internal echo\n" }
	    1 .. 10000);
	($rc, $out) = check("$dir/many.conf");
	is($rc, 1, '10,000 lines of one service: refused as duplicates');
	like($out, qr/^\.\.\. and 9979 more errors$/m,
	    'the first 20 named, the rest counted');

	($rc, $out) = check("$dir/nonexistent.conf");
	is($rc, 1, 'a missing file: refused');
	like($out, qr/nonexistent\.conf/, 'named');
	($rc, $out) = check($dir);
	is($rc, 1, 'a directory: refused');
	like($out, qr/\Q$dir\E/, 'named');

	SKIP: {
		skip 'an unreadable file needs root to make and nobody to '
		    . 'read it', 3 if !privileged();
		write_file("$dir/secret.conf", '');
		chmod 0600, "$dir/secret.conf";
		my $o = `setpriv --reuid nobody --regid nogroup --clear-groups '${\ sinetd_bin()}' -n $dir/secret.conf 2>&1`;
		is($? >> 8, 1, 'an unreadable file: refused');
		like($o, qr/secret\.conf.*(Permission denied|EACCES)/,
		    'naming it and why') or diag($o);
		unlike($o, qr/configuration OK/, 'never taken as empty');
	}
};

subtest 'policies: a loop through include, garbage' => sub {
	my $pd = "$dir/policy";
	mkdir $pd;
	symlink("$pd/b.policy", "$pd/a.policy");
	symlink("$pd/a.policy", "$pd/b.policy");
	write_file("$pd/loop.policy", "include loop.policy\n");
	write_file("$pd/inc.policy", "include a.policy\n");
	garbage("$pd/junk.policy", 4096);
	write_file("$dir/p.conf", '');
	my ($rc, $out) = check('-P', $pd, "$dir/p.conf");
	is($rc, 1, 'refused');
	like($out, qr/loop\.policy:1: include: /, 'a self-include: named');
	like($out, qr/inc\.policy:1: include: /, 'a symlink loop: named');
	like($out, qr/junk\.policy:\d+: /, 'garbage: named with its line');
	unlike($out, qr/[\x00-\x08\x0e-\x1f\x7f]/,
	    'no control character of the input printed');
};

subtest 'reload: a file that vanishes, or turns to garbage, loses nothing' => sub {
	my $port = free_port();
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
	my $conf = "$d->{dir}/inetd.conf";
	my $s = tcp_connect('127.0.0.1', $port) or die "connect: $!";
	syswrite($s, "before\n");
	is(read_some($s, 7, 2), "before\n", 'a session open before');
	my @before = $d->resources;
	rename($conf, "$conf.away") or die;
	kill 'HUP', $d->pid;
	ok($d->wait_log(qr/reload refused/, 10), 'a vanished file: refused')
	    or diag($d->log_text);
	like($d->log_text, qr/inetd\.conf/, 'naming the file');
	rename("$conf.away", $conf) or die;
	open my $fh, '>>', $conf or die;
	print $fh "\x00\xff\xfe garbage \x01\n";
	close $fh;
	kill 'HUP', $d->pid;
	ok($d->wait_log(qr/reload refused(?s:.*)reload refused/, 10),
	    'garbage appended: refused') or diag($d->log_text);
	like($d->log_text, qr/inetd\.conf:2: /, 'naming its line');
	syswrite($s, "after\n");
	is(read_some($s, 6, 2), "after\n", 'the open session goes on');
	is(tcp_talk('127.0.0.1', $port, "new\n", half_close => 1), "new\n",
	    'the service answers new clients');
	ok($d->back_to(@before), 'descriptors and memory back to their level')
	    or diag(join ' ', $d->resources, 'before:', @before);
	close $s;
	is($d->stop >> 8, 0, 'clean stop');
};
done_testing();
