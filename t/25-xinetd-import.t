# SPDX-License-Identifier: ISC
# sinetctl import-xinetd on files: a corpus of our own with every
# attribute, flag and type xinetd.conf(5) lists, word for word against
# what it should print (t/xinetd/all.out, all.err); the files Debian's
# xinetd and amanda packages ship; -o and what sinetd -n makes of it; syntax errors;
# and sinetd -n pointing at the importer when it is given xinetd syntax.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

chdir("$FindBin::Bin/..") or die "chdir: $!";
my $ctl = build_dir() . '/sinetctl';
my $peers = build_dir() . '/peers/root';

# (exit status, stdout, stderr) of sinetctl import-xinetd @args.
sub import_xinetd {
	my (@args) = @_;
	my $dir = tempdir(CLEANUP => 1);
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', "$dir/out") or POSIX::_exit(126);
		open(STDERR, '>', "$dir/err") or POSIX::_exit(126);
		{ no warnings 'exec'; exec($ctl, 'import-xinetd', @args); }
		POSIX::_exit(127);
	}
	waitpid($pid, 0);
	return ($? >> 8, Sinetd::slurp("$dir/out"), Sinetd::slurp("$dir/err"));
}

# sinetd -n on what -o wrote, with the tests' default.policy beside it.
sub check_dir {
	my ($dir) = @_;
	mkdir("$dir/policy");
	Sinetd::write_file("$dir/policy/default.policy",
	    Sinetd::default_policy());
	my $out = `'${\ sinetd_bin()}' -n -P '$dir/policy' '$dir/inetd.conf' 2>&1`;
	# A server not installed on this machine is a pre-flight line, not
	# an error of the import: what is left must be nothing.
	my @left = grep { !/: server: \S+ \((?:the server program|the program tcpd runs)\): No such file or directory$/ }
	    split /\n/, $out;
	return @left ? join("\n", @left) . "\n" : "configuration OK\n";
}

subtest 'the corpus: every attribute, as sinetd.conf(5) and policies' => sub {
	my ($rc, $out, $err) = import_xinetd('t/xinetd/all.conf');
	is($rc, 0, 'exit 0');
	is($out, Sinetd::slurp('t/xinetd/all.out'),
	    'standard output: the lines and the policies');
	is($err, Sinetd::slurp('t/xinetd/all.err'),
	    'standard error: what is not carried over, and why');
	my @bad = grep { !/^t\/xinetd\/[\w\/.]+:\d+: [\w .{},\/-]+: (?:not carried over|carried over approximately): \S/ }
	    split /\n/, $err;
	is_deeply(\@bad, [], 'each note is file:line: attribute: ...: why');

	my $dir = tempdir(CLEANUP => 1);
	($rc) = import_xinetd('-o', $dir, 't/xinetd/all.conf');
	is($rc, 0, '-o DIR: exit 0');
	ok(-f "$dir/inetd.conf" && -f "$dir/policy/ftp.policy",
	    'it wrote inetd.conf and policy/NAME.policy');
	like(Sinetd::slurp("$dir/policy/ftp.policy"),
	    qr/^include default\.policy\nonly-from .*\nno-access .*\nnice 10\numask 027\nrlimit as 64m\n/,
	    'a policy keeps the baseline and adds what xinetd said');
	is(check_dir($dir), "configuration OK\n", 'sinetd -n takes it');
	(undef, undef, $err) = import_xinetd('-o', $dir, 't/xinetd/all.conf');
	like($err, qr/inetd\.conf: exists: not overwritten/,
	    '-o never overwrites a file');
};

SKIP: {
	my $man = "$peers/usr/share/man/man5/xinetd.conf.5.gz";
	skip "no xinetd.conf(5) under build/peers (make peers)", 1
	    unless -f $man;
	subtest 'the corpus has every attribute, flag and type of xinetd.conf(5)' => sub {
		my $src = `zcat '$man'`;
		my $corpus = join('', map { Sinetd::slurp($_) }
		    't/xinetd/all.conf', 't/xinetd/all.inc', 't/xinetd/d/nothing');
		my %attr = map { $_ => 1 } $src =~ /^\.TP[^\n]*\n\.B ([a-z_]+)\n/mg;
		ok(keys(%attr) >= 45, 'the page lists its attributes')
		    or diag(join(' ', sort keys %attr));
		for my $a (sort keys %attr) {
			ok($corpus =~ /^\s*\Q$a\E\s*(?:[+-]?=|\s+\S)/m, "attribute $a");
		}
		my ($fl) = $src =~ /^\.B flags\n(.*?)^\.B disable\n/ms;
		my ($ty) = $src =~ /^\.B type\n(.*?)^\.B flags\n/ms;
		my @flags = $fl =~ /^\.TP[^\n]*\n\.B ([A-Z][A-Za-z0-9]+)\n/mg;
		my @types = map { split m{/} } $ty =~ /^\.TP[^\n]*\n\.B ([A-Z\/]+)\n/mg;
		ok(@flags >= 12 && @types >= 4, 'its flags and types');
		for my $f (@flags) {
			ok($corpus =~ /^\s*flags\s*[+-]?=.*\b\Q$f\E\b/m, "flag $f");
		}
		for my $t (@types) {
			ok($corpus =~ /^\s*type\s*=.*\b\Q$t\E\b/m, "type $t");
		}
	};
}

SKIP: {
	skip "no xinetd under build/peers (make peers)", 2
	    unless -d "$peers/etc/xinetd.d";
	subtest "Debian's xinetd.d files" => sub {
		my ($rc, $out, $err) = import_xinetd("$peers/etc/xinetd.d");
		is($rc, 0, 'exit 0');
		my @files = grep { !m{/[^/]*[.~][^/]*$} }
		    glob("$peers/etc/xinetd.d/*");
		my $n = 0;
		for my $f (@files) {
			my $text = Sinetd::slurp($f);
			while ($text =~ /^service (\S+)/mg) {
				my $name = $1;
				my $line = 1 + (() = substr($text, 0, pos($text)) =~ /\n/g);
				like($out, qr/^# \Q$f\E:$line: service \Q$name\E\b.*\n(?:#<off># \S+\t|# not imported: )/m,
				    "$f:$line: service $name is there");
				$n++;
			}
		}
		ok($n >= 15, "every service of the package ($n)");
		is($err, join('', map { "$peers/etc/xinetd.d/$_:4: service $_: not carried over: type INTERNAL: sinetd's builtins are echo, discard, chargen, daytime and time\n" } qw(servers services)),
		    'only the servers and services builtins are not carried over');

		# Enabled, as an administrator would: a valid configuration.
		my $dir = tempdir(CLEANUP => 1);
		mkdir("$dir/d");
		for my $f (@files) {
			(my $t = Sinetd::slurp($f)) =~ s/(disable\s*=\s*)yes/${1}no/g;
			Sinetd::write_file("$dir/d/" . ($f =~ s{.*/}{}r), $t);
		}
		($rc, $out, $err) = import_xinetd('-o', "$dir/out", "$dir/d");
		is($rc, 0, 'enabled: exit 0');
		like($err, qr/echo-udp:4: echo: not carried over: \S+\/echo:17 already serves port 7\/udp there; left commented out/,
		    'a second definition of one port is left commented, and said');
		is(check_dir("$dir/out"), "configuration OK\n",
		    'and sinetd -n takes it');
		my @on = grep { /^\w/ } split /\n/, Sinetd::slurp("$dir/out/inetd.conf");
		is(scalar(@on), 10, 'ten services, tcp and udp of five builtins');

		# xinetd.conf itself, its includedir pointed at them.
		(my $main = Sinetd::slurp("$peers/etc/xinetd.conf")) =~
		    s{^includedir /etc/xinetd.d$}{includedir $dir/d}m;
		Sinetd::write_file("$dir/xinetd.conf", $main);
		($rc, $out) = import_xinetd("$dir/xinetd.conf");
		is($rc, 0, 'xinetd.conf with its defaults and includedir: exit 0');
		is(scalar(() = $out =~ /^\w/mg), 10, 'the same ten');
	};

	subtest 'sinetd -n on xinetd syntax points at the importer' => sub {
		for my $f ("$peers/etc/xinetd.d/echo", "$peers/etc/xinetd.conf") {
			my $out = `'${\ sinetd_bin()}' -n '$f' 2>&1`;
			isnt($? >> 8, 0, "$f: refused");
			like($out, qr/^\Q$f\E:\d+: syntax: this looks like xinetd\.conf syntax; see sinetctl import-xinetd$/m,
			    'said so');
			unlike($out, qr/missing|continuation/, 'and nothing else');
		}
	};
}

SKIP: {
	my @files = glob("$peers/usr/share/doc/amanda-*/examples/xinetd.*");
	skip "no amanda under build/peers (make peers)", 1 unless @files == 2;
	subtest "the xinetd files Debian's amanda packages ship" => sub {
		for my $f (@files) {
			my ($rc, $out, $err) = import_xinetd($f);
			is($rc, 0, "$f: exit 0");
			is($err, '', 'everything carried over');
			my ($args) = slurp($f) =~ /^\s*server_args\s*=\s*(.*?)\s*$/m;
			my @lines = grep { /^\w/ } split /\n/, $out;
			is_deeply(\@lines, [ "amanda\tstream\ttcp4\tnowait\tbackup:disk\t"
			    . "/usr/lib/amanda/amandad amandad $args" ],
			    'its line: IPv4 only, user and group, argv[0] and the arguments');
			my $dir = tempdir(CLEANUP => 1);
			($rc) = import_xinetd('-o', "$dir/out", $f);
			is(check_dir("$dir/out"), "configuration OK\n", 'sinetd -n takes it');
		}
	};
}

subtest 'sinetd -n: the inetd.conf lines around xinetd syntax still count' => sub {
	my $dir = tempdir(CLEANUP => 1);
	Sinetd::write_file("$dir/mix.conf", "service x\n{\n\ta = b\n}\n"
	    . "127.0.0.1:7 stream tcp nowait nobody internal echo\nfoo\n");
	my $out = `'${\ sinetd_bin()}' -n '$dir/mix.conf' 2>&1`;
	is($out, "$dir/mix.conf:1: syntax: this looks like xinetd.conf syntax; "
	    . "see sinetctl import-xinetd\n$dir/mix.conf:6: socket-type: missing "
	    . "(an entry has at least 6 fields)\n",
	    'the hint once, then the errors of the lines that are inetd.conf');
};

subtest 'what the importer refuses, and names' => sub {
	my $dir = tempdir(CLEANUP => 1);
	Sinetd::write_file("$dir/x.conf", "service echo\n\tsocket_type = stream\n}\n");
	my ($rc, $out, $err) = import_xinetd("$dir/x.conf");
	is($rc, 1, 'a syntax error: exit 1');
	like($err, qr/^\Q$dir\E\/x\.conf:2: expected "\{" after line 1$/m,
	    'file:line: why');
	is($out, '', 'and nothing written');
	Sinetd::write_file("$dir/y.conf", "service echo\n{\n\twait == no\n");
	($rc, undef, $err) = import_xinetd("$dir/y.conf");
	is($rc, 1, 'an unterminated section: exit 1');
	like($err, qr/y\.conf:3: end of file inside the section of line 1/,
	    'said with its line');
	($rc, undef, $err) = import_xinetd("$dir/nosuch");
	is($rc, 1, 'a missing file: exit 1');
	($rc, undef, $err) = import_xinetd('a', 'b');
	is($rc, 2, 'two inputs: usage, 2');
	($rc, undef, $err) = import_xinetd('-x');
	is($rc, 2, 'an unknown option: 2');
	like($err, qr/^sinetctl: import-xinetd: unknown option -x\nusage: sinetctl import-xinetd /,
	    'named, with the usage');
	($rc, undef, $err) = import_xinetd('-o');
	like($err, qr/^sinetctl: import-xinetd: -o needs a directory$/m,
	    '-o without its directory');
	Sinetd::write_file("$dir/z.conf", "service finger\n{\n\tsocket_type = stream\n"
	    . "\twait = no\n\tuser = nobody\n\tserver = /usr/sbin/in.fingerd\n"
	    . "\tonly_from = localhost .example.com\n}\n");
	($rc, $out, $err) = import_xinetd('-o', "$dir/z", "$dir/z.conf");
	is($rc, 0, 'host names: exit 0');
	like($err, qr/z\.conf:7: localhost: carried over approximately: resolved now to 127\.0\.0\.1\b/,
	    'a host name is resolved now, and said');
	like($err, qr/z\.conf:7: \.example\.com: not carried over: sinetd matches addresses/,
	    'a domain is not carried over');
	like(Sinetd::slurp("$dir/z/policy/finger.policy"), qr/^only-from 127\.0\.0\.1\b/m,
	    'the address is in the policy');

	# Two services of one name share one policy in sinetd: one without
	# policy lines would get the other's, so that is said.
	my $svc = "\tsocket_type = stream\n\twait = no\n\tuser = nobody\n"
	    . "\tserver = /usr/sbin/in.fingerd\n";
	Sinetd::write_file("$dir/two.conf", "service finger\n{\n$svc"
	    . "\tbind = 127.0.0.1\n\tnice = 5\n}\nservice finger\n{\n$svc"
	    . "\tbind = ::1\n}\n");
	($rc, $out, $err) = import_xinetd("$dir/two.conf");
	is($rc, 0, 'two of one name: exit 0');
	like($err, qr/two\.conf:10: policy: not carried over: \S+two\.conf:1 gave service finger other policy lines/,
	    'the second would get the first one\'s policy: said');
};

done_testing();
