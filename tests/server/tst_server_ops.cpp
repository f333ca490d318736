// Operating longline-server: durability across a kill -9, liveness on the
// server side (heartbeat verdicts, kernel keepalive options on accepted
// sockets), clean shutdown on signals, command-line validation.

#include "../support/ciskip.h"
#include "../support/systemtools.h"
#include "serverharness.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>

using namespace longline::testing;

class TestServerOps : public QObject
{
    Q_OBJECT

private:
    static bool join(LineClient &client, ServerProcess &server, const QString &nick)
    {
        return client.connectTo(server.port()) && !client.hello(nick).isEmpty();
    }

    struct Run
    {
        int exitCode = -1;
        QString out;
        QString err;
    };
    // Runs the server expecting it to stop by itself.
    static Run runToCompletion(const QStringList &args)
    {
        QProcess p;
        p.start(serverBinary(), args);
        Run r;
        if (!p.waitForFinished(WaitMs)) {
            p.kill();
            p.waitForFinished();
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    // GET path on 127.0.0.1:port; the body, or "" on failure.
    static QString httpGet(quint16 port, const QString &path)
    {
        QTcpSocket s;
        s.connectToHost(QStringLiteral("127.0.0.1"), port);
        if (!s.waitForConnected(WaitMs))
            return {};
        s.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").toUtf8());
        QByteArray all;
        QElapsedTimer t;
        t.start();
        while (s.state() == QAbstractSocket::ConnectedState && t.elapsed() < WaitMs) {
            s.waitForReadyRead(200);
            all += s.readAll();
        }
        all += s.readAll();
        return QString::fromUtf8(all);
    }
    static double metricValue(const QString &text, const QString &series)
    {
        for (const QString &line : text.split(QLatin1Char('\n')))
            if (line.startsWith(series + QLatin1Char(' ')))
                return line.mid(series.size() + 1).toDouble();
        return -1;
    }

    // A TLS client that trusts anything: the test checks the certificate
    // itself. Reads lines into `lines`; answers the server's PINGs.
    struct TlsClient
    {
        QSslSocket socket;
        QStringList lines;
        QByteArray partial;
        int pings = 0;
        TlsClient()
        {
            QObject::connect(&socket, &QSslSocket::sslErrors, [this] { socket.ignoreSslErrors(); });
            QObject::connect(&socket, &QIODevice::readyRead, [this] {
                partial += socket.readAll();
                qsizetype nl;
                while ((nl = partial.indexOf('\n')) >= 0) {
                    const QString line = QString::fromUtf8(partial.left(nl));
                    partial.remove(0, nl + 1);
                    if (line.startsWith(QLatin1String("PING "))) {
                        ++pings;
                        socket.write("PONG " + line.mid(5).toUtf8() + '\n');
                    } else {
                        lines.append(line);
                    }
                }
            });
        }
        bool connectTo(quint16 port)
        {
            socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
            return socket.waitForEncrypted(WaitMs);
        }
        QByteArray fingerprint() const
        {
            return socket.peerCertificate().digest(QCryptographicHash::Sha256);
        }
        bool waitFor(const QString &prefix)
        {
            return QTest::qWaitFor(
                [&] {
                    for (const QString &l : lines)
                        if (l.startsWith(prefix))
                            return true;
                    return false;
                },
                WaitMs);
        }
        void send(const QByteArray &line) { socket.write(line + '\n'); }
    };
    static bool writeFile(const QString &path, const QByteArray &bytes)
    {
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (serverBinary().isEmpty())
            LONGLINE_SKIP_UNLESS_CI("LONGLINE_SERVER_BIN is not set; run through ctest");
    }

    void historySurvivesKill9()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QStringList args = {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                  QStringLiteral("--db"),
                                  dir.filePath(QStringLiteral("history.db"))};
        {
            ServerProcess first;
            QVERIFY(first.start(args));
            LineClient alice;
            QVERIFY(join(alice, first, QStringLiteral("alice")));
            alice.sendLine(QStringLiteral("SAYID k1 written before the crash"));
            REQUIRE_LINE(ack, alice, QStringLiteral("ACK "));
            QCOMPARE(ack, QStringLiteral("ACK k1 1"));
            // No clean shutdown: the ACK alone must mean "on disk".
            first.process().kill();
            QVERIFY(first.waitForExit());
            QCOMPARE(first.process().exitStatus(), QProcess::CrashExit);
        }
        ServerProcess second;
        QVERIFY(second.start(args));
        QVERIFY(
            second.waitForLog(QRegularExpression(QStringLiteral(" start .*journal=wal seq=1 "))));
        LineClient alice;
        QVERIFY(alice.connectTo(second.port()));
        const QString welcome = alice.hello(QStringLiteral("alice"));
        QVERIFY(!welcome.isEmpty());
        QCOMPARE(LineClient::value(welcome, QStringLiteral("seq")), QStringLiteral("1"));
        alice.sendLine(QStringLiteral("HISTORY 0"));
        REQUIRE_LINE(hist, alice, QStringLiteral("HIST 1 "));
        QVERIFY(hist.endsWith(QStringLiteral(" alice written before the crash")));
        REQUIRE_LINE(end, alice, QStringLiteral("HISTEND "));
        QCOMPARE(end, QStringLiteral("HISTEND 1 0"));
        // The client retries after the crash: same seq, not stored twice.
        alice.sendLine(QStringLiteral("SAYID k1 written before the crash"));
        REQUIRE_LINE(ack, alice, QStringLiteral("ACK "));
        QCOMPARE(ack, QStringLiteral("ACK k1 1"));
        alice.sendLine(QStringLiteral("SAY after the restart"));
        REQUIRE_LINE(msg, alice, QStringLiteral("MSG "));
        QVERIFY2(msg.startsWith(QStringLiteral("MSG 2 ")), qPrintable(msg));
    }

    void heartbeatDropsSilentClient()
    {
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--heartbeat"), QStringLiteral("0.5,0.5")}));
        LineClient silent, bob;
        silent.autoPong = false; // reads, but never answers
        QVERIFY(silent.connectTo(server.port()));
        const QString welcome = silent.hello(QStringLiteral("silent"));
        QVERIFY(!welcome.isEmpty());
        QCOMPARE(LineClient::value(welcome, QStringLiteral("hb")), QStringLiteral("0.5,0.5"));
        QElapsedTimer sinceLastSent;
        sinceLastSent.start();
        QVERIFY(join(bob, server, QStringLiteral("bob")));
        REQUIRE_LINE(joined, silent, QStringLiteral("JOIN "));

        REQUIRE_LINE(ping, silent, QStringLiteral("PING "));
        QVERIFY(silent.waitClosed(3000));
        const qint64 observed = sinceLastSent.elapsed();
        const auto line = server.waitForLog(QRegularExpression(
            QStringLiteral(" disconnect .*nick=silent cause=heartbeat_timeout ")));
        QVERIFY2(line, qPrintable(server.logText()));
        const auto m =
            QRegularExpression(QStringLiteral("detection_ms=(\\d+) budget_ms=(\\d+)")).match(*line);
        QVERIFY(m.hasMatch());
        const int detection = m.captured(1).toInt();
        QCOMPARE(m.captured(2).toInt(), 1000);
        // The verdict comes after the full budget of silence, and at most a
        // few poll periods (62 ms each) plus scheduling noise later.
        QVERIFY2(detection >= 1000 && detection <= 1500, qPrintable(*line));
        QVERIFY2(observed >= 950 && observed <= 2500, qPrintable(QString::number(observed)));
        QVERIFY(line->contains(QStringLiteral("reason=\"heartbeat timeout after")));

        REQUIRE_LINE(leave, bob, QStringLiteral("LEAVE "));
        QVERIFY(leave.endsWith(QStringLiteral(" silent heartbeat timeout")));
        // bob answers the PINGs and outlives several heartbeat budgets.
        QTest::qWait(1500);
        QVERIFY(!bob.isClosed());
        bob.sendLine(QStringLiteral("WHO"));
        REQUIRE_LINE(online, bob, QStringLiteral("ONLINE "));
        QCOMPARE(online, QStringLiteral("ONLINE bob"));
    }

    void keepaliveOptionsOnAcceptedSocket()
    {
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--keepalive"), QStringLiteral("7,3,2"),
                                     QStringLiteral("--user-timeout"), QStringLiteral("5000")}));
        LineClient alice;
        QVERIFY(join(alice, server, QStringLiteral("alice")));
        const auto options =
            server.waitForLog(QRegularExpression(QStringLiteral(" options id=1 ")));
        QVERIFY(options);
        QVERIFY2(options->contains(QStringLiteral(" requested_keepalive=7,3,2 ")),
                 qPrintable(*options));
        QVERIFY2(options->contains(QStringLiteral(" keepalive=7,3,2 ")), qPrintable(*options));
        QVERIFY2(options->contains(QStringLiteral(" user_timeout_ms=5000 ")), qPrintable(*options));
        QVERIFY2(options->contains(QStringLiteral(" ok=1")), qPrintable(*options));

        const QString ss = QStandardPaths::findExecutable(QStringLiteral("ss"));
        if (ss.isEmpty())
            LONGLINE_SKIP_UNLESS_CI("ss (iproute2) is not installed");
        // The kernel's own view of the server-side socket (source port =
        // the listening port) shows the keepalive timer running.
        QProcess p;
        p.start(ss,
                {QStringLiteral("-tino"), QStringLiteral("state"), QStringLiteral("established"),
                 QStringLiteral("( sport = :%1 )").arg(server.port())});
        QVERIFY(p.waitForFinished(WaitMs));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(out.contains(QStringLiteral("timer:(keepalive,")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral(":%1").arg(server.port())), qPrintable(out));
    }

    void signalShutdown_data()
    {
        QTest::addColumn<int>("signalNumber");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGINT") << int(SIGINT);
    }

    void signalShutdown()
    {
        QFETCH(int, signalNumber);
        ServerProcess server;
        QVERIFY(server.startDefault());
        LineClient alice, bob;
        QVERIFY(join(alice, server, QStringLiteral("alice")));
        QVERIFY(join(bob, server, QStringLiteral("bob")));
        QCOMPARE(::kill(static_cast<pid_t>(server.process().processId()), signalNumber), 0);
        for (LineClient *c : {&alice, &bob}) {
            const auto bye = c->waitFor(QStringLiteral("BYE "));
            QVERIFY(bye);
            QCOMPARE(*bye, QStringLiteral("BYE server shutting down"));
            QVERIFY2(c->skipped.filter(QStringLiteral("LEAVE")).isEmpty(),
                     qPrintable(c->skipped.join('|')));
            QVERIFY(c->waitClosed());
        }
        QVERIFY(server.waitForExit());
        QCOMPARE(server.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(server.process().exitCode(), 0);
        const QString log = server.logText();
        QVERIFY2(log.contains(QStringLiteral(" shutdown reason=") +
                              QString::fromLatin1(signalNumber == SIGTERM ? "SIGTERM" : "SIGINT")),
                 qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral(" exit status=0")), qPrintable(log));
    }

    void badFlags_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("unknown") << QStringList{"--bogus"} << "bogus";
        QTest::newRow("positional") << QStringList{"stray"} << "stray";
        QTest::newRow("listen no port") << QStringList{"--listen", "127.0.0.1"} << "--listen";
        QTest::newRow("listen port range") << QStringList{"--listen", "127.0.0.1:70000"} << "port";
        QTest::newRow("listen host") << QStringList{"--listen", "example.invalid:1"} << "--listen";
        QTest::newRow("listen v6 brackets") << QStringList{"--listen", "[::1:9999"} << "--listen";
        QTest::newRow("listen missing value") << QStringList{"--listen"} << "listen";
        QTest::newRow("keepalive arity") << QStringList{"--keepalive", "1,2"} << "keepalive";
        QTest::newRow("keepalive zero") << QStringList{"--keepalive", "0,1,1"} << "keepalive";
        QTest::newRow("user-timeout") << QStringList{"--user-timeout", "-5"} << "user timeout";
        QTest::newRow("heartbeat word") << QStringList{"--heartbeat", "fast"} << "heartbeat";
        QTest::newRow("heartbeat one") << QStringList{"--heartbeat", "1"} << "heartbeat";
        QTest::newRow("min-client-ping")
            << QStringList{"--min-client-ping", "-1"} << "min-client-ping";
        QTest::newRow("max-line small") << QStringList{"--max-line", "10"} << "max-line";
        QTest::newRow("max-clients zero") << QStringList{"--max-clients", "0"} << "max-clients";
        QTest::newRow("max-per-address word")
            << QStringList{"--max-per-address", "x"} << "max-per-address";
        QTest::newRow("rate negative") << QStringList{"--rate", "-1"} << "rate";
        QTest::newRow("max-history zero") << QStringList{"--max-history", "0"} << "max-history";
        QTest::newRow("line-timeout") << QStringList{"--line-timeout", "soon"} << "line-timeout";
    }

    // The operator's views of a running server: Prometheus text over HTTP,
    // `status` (text and JSON) and kick, ban and unban over the admin socket.
    void metricsStatusKickAndBan()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString adminPath = dir.filePath(QStringLiteral("admin.sock"));
        ServerProcess server;
        QVERIFY(server.startDefault({QStringLiteral("--metrics"), QStringLiteral("127.0.0.1:0"),
                                     QStringLiteral("--admin-socket"), adminPath,
                                     QStringLiteral("--heartbeat"), QStringLiteral("0.3,2"),
                                     QStringLiteral("--min-client-ping"), QStringLiteral("0")}));
        const auto metricsLine =
            server.waitForLog(QRegularExpression(QStringLiteral(" metrics .*port=(\\d+)")));
        QVERIFY(metricsLine);
        const quint16 metricsPort =
            static_cast<quint16>(QRegularExpression(QStringLiteral("port=(\\d+)"))
                                     .match(*metricsLine)
                                     .captured(1)
                                     .toUInt());
        LineClient dana;
        QVERIFY(join(dana, server, QStringLiteral("dana")));
        dana.sendLine(QStringLiteral("SAYID m1 hello"));
        QVERIFY(dana.waitFor(QStringLiteral("ACK m1 ")));
        QTest::qWait(800); // a few heartbeats, answered by the client

        const QString metrics = httpGet(metricsPort, QStringLiteral("/metrics"));
        QVERIFY2(metrics.startsWith(QLatin1String("HTTP/1.1 200 OK")),
                 qPrintable(metrics.left(200)));
        QVERIFY2(metrics.contains(QLatin1String("text/plain; version=0.0.4")),
                 qPrintable(metrics.left(300)));
        QCOMPARE(metricValue(metrics, QStringLiteral("longline_connections{state=\"registered\"}")),
                 1.0);
        QCOMPARE(metricValue(metrics, QStringLiteral("longline_connections_accepted_total")), 1.0);
        QCOMPARE(metricValue(metrics, QStringLiteral("longline_messages_stored_total")), 1.0);
        QCOMPARE(metricValue(metrics, QStringLiteral("longline_store_commit_seconds_count")), 1.0);
        QVERIFY(metricValue(metrics, QStringLiteral("longline_heartbeats_sent_total")) >= 1);
        QVERIFY(metricValue(metrics, QStringLiteral("longline_heartbeats_answered_total")) >= 1);
        QVERIFY(metricValue(metrics, QStringLiteral("longline_heartbeat_rtt_seconds_count")) >= 1);
        QVERIFY(httpGet(metricsPort, QStringLiteral("/nothing"))
                    .startsWith(QLatin1String("HTTP/1.1 404")));

        auto admin = [&](const QStringList &words, int expectedExit = 0) {
            return adminCommand(adminPath, words, expectedExit);
        };
        const QString status = admin({QStringLiteral("status")});
        QVERIFY2(status.contains(QLatin1String("dana")) &&
                     status.contains(QLatin1String("registered")) &&
                     status.contains(QStringLiteral("127.0.0.1:%1").arg(server.port())),
                 qPrintable(status));
        const QJsonObject json =
            QJsonDocument::fromJson(
                admin({QStringLiteral("status"), QStringLiteral("--json")}).toUtf8())
                .object();
        QCOMPARE(json.value(QStringLiteral("clients")).toInt(), 1);
        const QJsonObject row =
            json.value(QStringLiteral("connections")).toArray().first().toObject();
        QCOMPARE(row.value(QStringLiteral("nick")).toString(), QStringLiteral("dana"));
        QVERIFY(row.value(QStringLiteral("rtt_ms")).isDouble());
        QVERIFY(row.value(QStringLiteral("last_received_ms")).toDouble() >= 0);
        QVERIFY(row.contains(QStringLiteral("unacked_segments")));

        // Kick by nick: BYE, and the death is counted.
        QVERIFY2(admin({QStringLiteral("kick"), QStringLiteral("DANA")})
                     .startsWith(QLatin1String("kicked 1")),
                 "kick by nick, any case");
        QVERIFY(dana.waitFor(QStringLiteral("BYE kicked by the operator")));
        QVERIFY(dana.waitClosed());
        QTRY_COMPARE_WITH_TIMEOUT(
            metricValue(httpGet(metricsPort, QStringLiteral("/metrics")),
                        QStringLiteral("longline_connection_deaths_total{cause=\"local_close\"}")),
            1.0, WaitMs);
        // Ban the address: refused with a reason, counted; unban lets it in.
        QVERIFY(admin({QStringLiteral("ban"), QStringLiteral("127.0.0.1")})
                    .startsWith(QLatin1String("banned 127.0.0.1")));
        LineClient refused;
        QVERIFY(refused.connectTo(server.port()));
        QVERIFY(refused.waitFor(QStringLiteral("ERR 503 SERVER_FULL your address is banned")));
        QCOMPARE(
            metricValue(httpGet(metricsPort, QStringLiteral("/metrics")),
                        QStringLiteral("longline_connections_refused_total{reason=\"banned\"}")),
            1.0);
        // The IPv4-mapped form names the same client, as `ss` may show it.
        QVERIFY(admin({QStringLiteral("unban"), QStringLiteral("::ffff:127.0.0.1")})
                    .startsWith(QLatin1String("unbanned 127.0.0.1")));
        LineClient back;
        QVERIFY(join(back, server, QStringLiteral("dana")));
        // Mistakes get a clear answer and exit status 1.
        QVERIFY(admin({QStringLiteral("kick"), QStringLiteral("nobody")}, 1)
                    .startsWith(QLatin1String("error: no connection")));
        QVERIFY(admin({QStringLiteral("ban"), QStringLiteral("not-an-address")}, 1)
                    .startsWith(QLatin1String("error: usage")));
        // No server at the socket: says so, exit status 2.
        QProcess none;
        none.start(serverBinary(), {QStringLiteral("status"), QStringLiteral("--admin-socket"),
                                    dir.filePath(QStringLiteral("none.sock"))});
        QVERIFY(none.waitForFinished(WaitMs));
        QCOMPARE(none.exitCode(), 2);
        QVERIFY(QString::fromUtf8(none.readAllStandardError())
                    .contains(QLatin1String("no server answers")));
    }

    // SIGHUP re-reads the configuration file, the TLS certificate (renewed
    // in place, as certbot does) and the password file: new handshakes see
    // the new certificate, a client connected before stays connected and
    // gets the new heartbeat policy, a bad file changes nothing.
    void reloadAppliesFileCertificateAndPassword()
    {
        if (!QSslSocket::supportsSsl())
            LONGLINE_SKIP_UNLESS_CI("Qt has no TLS backend here");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString cert, key, newCert, newKey, error;
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("a")) &&
                QDir(dir.path()).mkpath(QStringLiteral("b")));
        QVERIFY2(longline::test::makeSelfSignedCertificate(dir.filePath(QStringLiteral("a")), &cert,
                                                           &key, &error),
                 qPrintable(error));
        QVERIFY2(longline::test::makeSelfSignedCertificate(dir.filePath(QStringLiteral("b")),
                                                           &newCert, &newKey, &error),
                 qPrintable(error));
        const QString passwordFile = dir.filePath(QStringLiteral("password"));
        const QString configFile = dir.filePath(QStringLiteral("server.conf"));
        QVERIFY(writeFile(passwordFile, "first\n"));
        QVERIFY(writeFile(configFile,
                          ("heartbeat = off\npassword-file = " + passwordFile + "\n").toUtf8()));
        ServerProcess server;
        QVERIFY(
            server.startDefault({QStringLiteral("--config"), configFile,
                                 QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"),
                                 key, QStringLiteral("--min-client-ping"), QStringLiteral("0")}));
        TlsClient before;
        QVERIFY(before.connectTo(server.port()));
        const QByteArray oldFingerprint = before.fingerprint();
        before.send("PASS first");
        before.send("HELLO before");
        QVERIFY(before.waitFor(QStringLiteral("WELCOME before ")));

        // Renewed certificate over the old files, new policy, new password.
        QFile::remove(cert);
        QFile::remove(key);
        QVERIFY(QFile::copy(newCert, cert) && QFile::copy(newKey, key));
        QVERIFY(writeFile(passwordFile, "second\n"));
        QVERIFY(writeFile(configFile,
                          ("heartbeat = 0.3,5\npassword-file = " + passwordFile + "\n").toUtf8()));
        ::kill(static_cast<pid_t>(server.process().processId()), SIGHUP);
        QVERIFY2(server.waitForLog(QRegularExpression(
                     QStringLiteral(" reload .*heartbeat=0.3,5 .*cert_changed=1"))),
                 qPrintable(server.logText().right(1500)));

        TlsClient after;
        QVERIFY(after.connectTo(server.port()));
        QVERIFY(after.fingerprint() != oldFingerprint);
        QCOMPARE(after.fingerprint(),
                 QSslCertificate::fromPath(newCert).first().digest(QCryptographicHash::Sha256));
        after.send("PASS first");
        after.send("HELLO after");
        QVERIFY(after.waitFor(QStringLiteral("ERR 464 ")));
        TlsClient third;
        QVERIFY(third.connectTo(server.port()));
        third.send("PASS second");
        third.send("HELLO third");
        QVERIFY(third.waitFor(QStringLiteral("WELCOME third ")));
        // The client from before: still connected, now pinged.
        QTRY_VERIFY_WITH_TIMEOUT(before.pings >= 2, 3000);
        QCOMPARE(before.socket.state(), QAbstractSocket::ConnectedState);
        before.send("PING still");
        QVERIFY(before.waitFor(QStringLiteral("PONG still")));

        // A bad file is refused and changes nothing.
        QVERIFY(writeFile(configFile, "heartbeat = sometimes\n"));
        ::kill(static_cast<pid_t>(server.process().processId()), SIGHUP);
        QVERIFY2(
            server.waitForLog(QRegularExpression(QStringLiteral(" reload_refused .*heartbeat"))),
            qPrintable(server.logText().right(1500)));
        const int pingsBefore = before.pings;
        QTRY_VERIFY_WITH_TIMEOUT(before.pings > pingsBefore, 3000);
        // What only a restart can change is refused too.
        QVERIFY(writeFile(configFile, ("heartbeat = 0.3,5\npassword-file = " + passwordFile +
                                       "\nmetrics = 127.0.0.1:0\n")
                                          .toUtf8()));
        ::kill(static_cast<pid_t>(server.process().processId()), SIGHUP);
        QVERIFY(server.waitForLog(QRegularExpression(
            QStringLiteral(" reload_refused .*only a restart can change metrics"))));
        QCOMPARE(server.process().state(), QProcess::Running);
    }

    void badFlags()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const Run r = runToCompletion(QStringList{"--db", ":memory:"} + args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QStringLiteral("longline-server: ")), qPrintable(r.err));
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("--help")), qPrintable(r.err));
    }

    void helpAndVersion()
    {
        const Run help = runToCompletion({QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        for (const char *flag : {"--listen", "--keepalive", "--user-timeout", "--heartbeat",
                                 "--min-client-ping", "--max-line", "--max-clients",
                                 "--max-per-address", "--rate", "--db", "--max-history", "--log"})
            QVERIFY2(help.out.contains(QLatin1String(flag)), flag);
        const Run version = runToCompletion({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QCOMPARE(version.out.trimmed(), QStringLiteral("longline-server " LONGLINE_VERSION));
    }

    void startupFailures()
    {
        // An unusable database is a startup failure (2), not a usage error.
        const Run db = runToCompletion({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                        QStringLiteral("--db"),
                                        QStringLiteral("/nonexistent-dir/sub/history.db")});
        QCOMPARE(db.exitCode, 2);
        QVERIFY2(db.err.contains(QStringLiteral(" fatal error=")), qPrintable(db.err));
        // So is a port someone else holds.
        ServerProcess holder;
        QVERIFY(holder.startDefault());
        const Run busy = runToCompletion({QStringLiteral("--listen"),
                                          QStringLiteral("127.0.0.1:%1").arg(holder.port()),
                                          QStringLiteral("--db"), QStringLiteral(":memory:")});
        QCOMPARE(busy.exitCode, 2);
        QVERIFY2(busy.err.contains(QStringLiteral("cannot listen")), qPrintable(busy.err));
    }

    void logFileAndRlimit()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString logPath = dir.filePath(QStringLiteral("server.log"));
        QProcess p;
        p.start(serverBinary(),
                {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"),
                 QStringLiteral(":memory:"), QStringLiteral("--log"), logPath});
        QVERIFY(p.waitForStarted(WaitMs));
        QString text;
        QVERIFY(QTest::qWaitFor(
            [&] {
                QFile f(logPath);
                if (f.open(QIODevice::ReadOnly))
                    text = QString::fromUtf8(f.readAll());
                return text.contains(QStringLiteral(" listen "));
            },
            WaitMs));
        p.terminate();
        QVERIFY(p.waitForFinished(WaitMs));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(p.readAllStandardError().isEmpty());
        QFile f(logPath);
        QVERIFY(f.open(QIODevice::ReadOnly));
        text = QString::fromUtf8(f.readAll());
        const QRegularExpression lineShape(
            QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z [a-z_]+( "
                           "[a-z_]+=(\"[^\"]*\"|\\S+))*$"));
        const QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY(lines.size() >= 4);
        for (const QString &l : lines)
            QVERIFY2(lineShape.match(l).hasMatch(), qPrintable(l));
        QVERIFY(text.contains(QRegularExpression(
            QStringLiteral(" rlimit nofile_before=\\S+ nofile=\\S+ nofile_hard="))));
        QVERIFY(text.contains(QStringLiteral(" listen address=127.0.0.1 port=")));
        QVERIFY(text.contains(QStringLiteral(" backlog=4096")));
        QVERIFY(text.contains(QStringLiteral(" shutdown reason=SIGTERM")));
    }

    void dualStackListener()
    {
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--listen"), QStringLiteral("[::]:0"),
                              QStringLiteral("--db"), QStringLiteral(":memory:")}));
        LineClient v4, v6;
        QVERIFY(join(v4, server, QStringLiteral("four")));
        // IPv4 clients are logged and counted as IPv4, not ::ffff:127.0.0.1.
        QVERIFY(server.waitForLog(
            QRegularExpression(QStringLiteral(" connect id=1 peer=127\\.0\\.0\\.1:\\d+ "))));
        if (!v6.connectTo(server.port(), QStringLiteral("::1")))
            LONGLINE_SKIP_UNLESS_CI("no IPv6 loopback here");
        QVERIFY(!v6.hello(QStringLiteral("six")).isEmpty());
        REQUIRE_LINE(joined, v4, QStringLiteral("JOIN "));
    }

    void listensOnIpv6()
    {
        ServerProcess server;
        if (!server.start({QStringLiteral("--listen"), QStringLiteral("[::1]:0"),
                           QStringLiteral("--db"), QStringLiteral(":memory:")}))
            LONGLINE_SKIP_UNLESS_CI("no IPv6 loopback here");
        QVERIFY(server.logText().contains(QStringLiteral(" listen address=::1 port=")));
        LineClient alice;
        QVERIFY(alice.connectTo(server.port(), QStringLiteral("::1")));
        QVERIFY(!alice.hello(QStringLiteral("alice")).isEmpty());
        QVERIFY(server.waitForLog(
            QRegularExpression(QStringLiteral(" connect id=1 peer=\\[::1\\]:\\d+ "))));
    }
};

QTEST_GUILESS_MAIN(TestServerOps)
#include "tst_server_ops.moc"
