// The configuration file and the option table behind it: every flag has a
// file key, flags override the file, bad lines are named by file and line,
// and --check-config, --default-config and --man come from the same table.

#include "serverconfig.h"
#include "serveroptions.h"
#include "systemtools.h"

#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace longline;
using namespace longline::server;

class TestServerConfig : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QByteArray &text)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        f.write(text);
        return path;
    }

    static ParsedArguments parse(const QStringList &args, const QString &defaultFile = QString())
    {
        return parseArguments(QStringList{QStringLiteral("longline-server")} + args, defaultFile);
    }

    // A valid value for every key, each different from the default.
    QMap<QString, QString> sampleValues()
    {
        const QString password = writeFile(QStringLiteral("password"), "s3cret\n");
        return {{"listen", "127.0.0.1:4321"},
                {"keepalive", "7,3,2"},
                {"user-timeout", "5000"},
                {"heartbeat", "0.5,1.25"},
                {"min-client-ping", "0.2"},
                {"max-line", "512"},
                {"max-clients", "3"},
                {"loops", "2"},
                {"max-per-address", "2"},
                {"rate", "0"},
                {"db", ":memory:"},
                {"max-history", "20"},
                {"presence-limit", "50"},
                {"log", m_dir.filePath(QStringLiteral("server.log"))},
                {"line-timeout", "2.5"},
                {"log-summary-interval", "5"},
                {"register-timeout", "7.5"},
                {"handshake-timeout", "0.5"},
                {"max-output", "65536"},
                {"max-output-total", "8388608"},
                {"max-probe-delay", "60"},
                {"metrics", "127.0.0.1:9464"},
                {"admin-socket", "/tmp/longline-test-admin.sock"},
                {"tls-cert", m_dir.filePath(QStringLiteral("cert.pem"))},
                {"tls-key", m_dir.filePath(QStringLiteral("key.pem"))},
                {"password-file", password}};
    }

    static QString showAll(const ServerConfig &c)
    {
        QStringList out;
        for (const ServerOption &o : serverOptions())
            out << o.key + QLatin1Char('=') + o.show(c);
        return out.join(QLatin1Char('\n'));
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // Every flag --help lists (other than the general ones) is a table row,
    // and so a file key.
    void everyFlagIsAKey()
    {
        const QString help = parse({"--help"}).message;
        // Actions, not settings: no key in the file.
        const QSet<QString> general{"help",         "version",   "config",
                                    "check-config", "take-over", "json"};
        static const QRegularExpression flag(QStringLiteral("^\\s+(?:-\\w, )?--([a-z-]+)"),
                                             QRegularExpression::MultilineOption);
        int flags = 0;
        for (auto it = flag.globalMatch(help); it.hasNext();) {
            const QString name = it.next().captured(1);
            if (general.contains(name))
                continue;
            ++flags;
            QVERIFY2(findServerOption(name), qPrintable(name + " has no configuration key"));
        }
        QCOMPARE(flags, serverOptions().size());
    }

    // Each key set in a file gives exactly what the same flag gives, and is
    // not the default (so the key really did something).
    void fileKeysMatchFlags()
    {
        const QMap<QString, QString> samples = sampleValues();
        QCOMPARE(samples.size(), serverOptions().size()); // a new option needs a sample here
        QByteArray text = "# every key\n\n";
        QStringList flags;
        for (auto it = samples.begin(); it != samples.end(); ++it) {
            QVERIFY2(findServerOption(it.key()), qPrintable(it.key()));
            text += it.key().toUtf8() + " = " + it.value().toUtf8() + "\n";
            flags << QStringLiteral("--") + it.key() << it.value();
        }
        const ParsedArguments fromFile =
            parse({"--config", writeFile(QStringLiteral("all.conf"), text)});
        QVERIFY2(fromFile.outcome == ParseOutcome::Run, qPrintable(fromFile.message));
        const ParsedArguments fromFlags = parse(flags);
        QVERIFY2(fromFlags.outcome == ParseOutcome::Run, qPrintable(fromFlags.message));
        QCOMPARE(showAll(fromFile.config), showAll(fromFlags.config));
        QCOMPARE(fromFile.config.password, QStringLiteral("s3cret"));
        const ServerConfig defaults;
        for (const ServerOption &o : serverOptions())
            QVERIFY2(o.show(fromFile.config) != o.show(defaults), qPrintable(o.key));
    }

    void flagsOverrideTheFile()
    {
        const QString path = writeFile(QStringLiteral("o.conf"), "rate = 7\nheartbeat = 25,10\n");
        const ParsedArguments p = parse({"--config", path, "--rate", "9"});
        QCOMPARE(p.outcome, ParseOutcome::Run);
        QCOMPARE(p.config.ratePer10s, 9);                              // the flag wins
        QCOMPARE(p.config.liveness.heartbeat.interval, Millis{25000}); // the file still counts
        QCOMPARE(p.config.maxLine, 4096);                              // the default stays
        QCOMPARE(p.config.configFile, path);
    }

    void defaultFileIsReadWhenItExists()
    {
        const QString path = writeFile(QStringLiteral("default.conf"), "max-clients = 12\n");
        QCOMPARE(parse({}, path).config.maxClients, 12);
        QCOMPARE(parse({}, path).config.configFile, path);
        // Missing: no file, and no error.
        const ParsedArguments none = parse({}, m_dir.filePath(QStringLiteral("absent.conf")));
        QCOMPARE(none.outcome, ParseOutcome::Run);
        QVERIFY(none.config.configFile.isEmpty());
        // --config replaces the default file, it does not add to it.
        const QString other = writeFile(QStringLiteral("other.conf"), "rate = 3\n");
        const ParsedArguments p = parse({"--config", other}, path);
        QCOMPARE(p.config.maxClients, 10000);
        QCOMPARE(p.config.ratePer10s, 3);
    }

    void relativePathsAreFromTheFilesDirectory()
    {
        QDir(m_dir.path()).mkpath(QStringLiteral("etc"));
        const QString path = writeFile(QStringLiteral("etc/r.conf"), "db = history.db\n");
        QCOMPARE(parse({"--config", path}).config.dbPath,
                 m_dir.filePath(QStringLiteral("etc/history.db")));
        const QString mem = writeFile(QStringLiteral("etc/m.conf"), "db = :memory:\n");
        QCOMPARE(parse({"--config", mem}).config.dbPath, QStringLiteral(":memory:"));
    }

    void errorsNameFileAndLine_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("reason");
        QTest::newRow("bad value")
            << QByteArray("# c\nrate = 5\n\nmax-line = 63\n") << 4
            << "max-line: expected a whole number from 64 to 1048576, got '63'";
        QTest::newRow("unknown key")
            << QByteArray("listen = :1\nratee = 5\n") << 2 << "unknown key 'ratee'";
        QTest::newRow("twice") << QByteArray("rate = 5\nrate = 6\n") << 2
                               << "rate is already set on line 1";
        QTest::newRow("no equals") << QByteArray("heartbeat 25,10\n") << 1
                                   << "expected 'key = value', got 'heartbeat 25,10'";
        QTest::newRow("empty value") << QByteArray("\n\ndb =\n") << 3 << "db: expected a file path";
        QTest::newRow("liveness") << QByteArray("keepalive = 60,5\n") << 1
                                  << "keepalive: keepalive wants IDLE,INTVL,CNT";
        QTest::newRow("listen") << QByteArray("listen = ::1:99\n") << 1
                                << "listen: expected HOST:PORT";
    }

    void errorsNameFileAndLine()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, line);
        QFETCH(QString, reason);
        const QString path = writeFile(QStringLiteral("bad.conf"), text);
        const ParsedArguments p = parse({"--config", path});
        QCOMPARE(p.outcome, ParseOutcome::Error);
        const QString prefix = QStringLiteral("%1:%2: ").arg(path).arg(line);
        QVERIFY2(p.message.startsWith(prefix + reason), qPrintable(p.message));
    }

    void otherErrors()
    {
        const ParsedArguments missing =
            parse({"--config", m_dir.filePath(QStringLiteral("nope.conf"))});
        QCOMPARE(missing.outcome, ParseOutcome::Error);
        QVERIFY2(missing.message.contains(QStringLiteral("nope.conf: cannot read")),
                 qPrintable(missing.message));
        // The flag's own errors name the flag.
        QCOMPARE(parse({"--rate", "x"}).message,
                 QStringLiteral("--rate: expected a whole number from 0 to 1000000, got 'x'"));
        // The TLS pair is checked after file and flags are merged.
        const QString cert = writeFile(QStringLiteral("tls.conf"), "tls-cert = /x/cert.pem\n");
        const ParsedArguments half = parse({"--config", cert});
        QCOMPARE(half.outcome, ParseOutcome::Error);
        QVERIFY2(half.message.contains(QStringLiteral("only tls-cert is set (%1:1)").arg(cert)),
                 qPrintable(half.message));
        QCOMPARE(parse({"--config", cert, "--tls-key", "/x/key.pem"}).outcome, ParseOutcome::Run);
    }

    void checkConfigReportsValueAndOrigin()
    {
        const QString path =
            writeFile(QStringLiteral("c.conf"), "# comment\nheartbeat = 25,10\nrate = 7\n");
        const ParsedArguments p = parse({"--config", path, "--rate", "9", "--check-config"});
        QCOMPARE(p.outcome, ParseOutcome::CheckConfig);
        const QStringList lines = p.message.split(QLatin1Char('\n'));
        auto lineFor = [&lines](const QString &key) {
            for (const QString &l : lines) {
                if (l.startsWith(key + QStringLiteral(" = ")))
                    return l.simplified();
            }
            return QString();
        };
        QCOMPARE(lineFor("heartbeat"), QStringLiteral("heartbeat = 25,10 # %1:2").arg(path));
        QCOMPARE(lineFor("rate"), QStringLiteral("rate = 9 # --rate"));
        QCOMPARE(lineFor("listen"),
                 QStringLiteral("listen = 0.0.0.0:9999 # default: 0.0.0.0:9999"));
        QVERIFY(p.message.contains(QStringLiteral("configuration file: ") + path));
        for (const ServerOption &o : serverOptions())
            QVERIFY2(!lineFor(o.key).isEmpty(), qPrintable(o.key));
        // A bad configuration is an error, not a report.
        QCOMPARE(parse({"--check-config", "--rate", "-1"}).outcome, ParseOutcome::Error);
        // The password itself never appears.
        const QString secret = writeFile(QStringLiteral("pw"), "hunter22\n");
        const QString report = parse({"--check-config", "--password-file", secret}).message;
        QVERIFY(report.contains(secret));
        QVERIFY(!report.contains(QStringLiteral("hunter22")));
    }

    // The shipped server.conf is generated from the table: commented out it
    // changes nothing, and uncommented its values are the real defaults.
    void defaultConfigFileHoldsTheDefaults()
    {
        const ParsedArguments gen = parse({"--default-config"});
        QCOMPARE(gen.outcome, ParseOutcome::DefaultConfig);
        const QString commented = writeFile(QStringLiteral("shipped.conf"), gen.message.toUtf8());
        const ParsedArguments asShipped = parse({"--config", commented});
        QVERIFY2(asShipped.outcome == ParseOutcome::Run, qPrintable(asShipped.message));
        QCOMPARE(showAll(asShipped.config), showAll(ServerConfig{}));

        QByteArray uncommented;
        int keys = 0;
        static const QRegularExpression setting(QStringLiteral("^#([a-z-]+) = (.*)$"));
        for (const QString &line : gen.message.split(QLatin1Char('\n'))) {
            const auto m = setting.match(line);
            if (!m.hasMatch())
                continue;
            const ServerOption *o = findServerOption(m.captured(1));
            QVERIFY2(o, qPrintable(line));
            ++keys;
            if (o->show(ServerConfig{}).isEmpty())
                continue; // a placeholder such as "#db = PATH": no plain default
            uncommented += line.mid(1).toUtf8() + '\n';
        }
        QCOMPARE(keys, serverOptions().size());
        const ParsedArguments live =
            parse({"--config", writeFile(QStringLiteral("live.conf"), uncommented)});
        QVERIFY2(live.outcome == ParseOutcome::Run, qPrintable(live.message));
        QCOMPARE(showAll(live.config), showAll(ServerConfig{}));
    }

    void manPageListsEveryOption()
    {
        const ParsedArguments man = parse({"--man"});
        QCOMPARE(man.outcome, ParseOutcome::ManPage);
        QVERIFY(man.message.contains(QStringLiteral(".TH LONGLINE\\-SERVER 1")));
        QVERIFY(man.message.contains(QStringLiteral("\\fB\\-\\-check\\-config\\fR")));
        for (const ServerOption &o : serverOptions()) {
            QString escaped = o.key;
            escaped.replace(QLatin1Char('-'), QStringLiteral("\\-"));
            QVERIFY2(man.message.contains(QStringLiteral(".TP\n\\fB\\-\\-%1\\fR").arg(escaped)),
                     qPrintable(o.key));
        }
        QVERIFY(!man.message.contains(QStringLiteral("default\\-config"))); // hidden stays hidden
    }

    // --check-config loads the certificate and key: a real pair passes, a
    // key that is not one fails with the file named.
    void checkConfigLoadsTlsFiles()
    {
        QString cert;
        QString key;
        QString why;
        QVERIFY2(test::makeSelfSignedCertificate(m_dir.path(), &cert, &key, &why), qPrintable(why));
        const ParsedArguments good =
            parse({"--check-config", "--tls-cert", cert, "--tls-key", key});
        QVERIFY2(good.outcome == ParseOutcome::CheckConfig, qPrintable(good.message));
        const ParsedArguments bad =
            parse({"--check-config", "--tls-cert", cert, "--tls-key", cert});
        QCOMPARE(bad.outcome, ParseOutcome::Error);
        QVERIFY2(bad.message.startsWith(
                     QStringLiteral("tls-key: no usable RSA or EC private key in '%1'").arg(cert)),
                 qPrintable(bad.message));
        // Only --check-config loads them; a plain parse leaves that to the server.
        QCOMPARE(parse({"--tls-cert", cert, "--tls-key", cert}).outcome, ParseOutcome::Run);
    }

    // The real binary: exit statuses and what reaches the console.
    void processCheckConfig()
    {
        const QString bin = qEnvironmentVariable("LONGLINE_SERVER_BIN");
        if (bin.isEmpty())
            QFAIL("LONGLINE_SERVER_BIN is not set: run through ctest");
        QProcess good;
        const QString path = writeFile(QStringLiteral("p.conf"), "rate = 7\n");
        good.start(bin, {"--config", path, "--check-config"});
        QVERIFY(good.waitForFinished(10000));
        QCOMPARE(good.exitCode(), 0);
        QVERIFY(good.readAllStandardOutput().contains(QStringLiteral("%1:1").arg(path).toUtf8()));

        QProcess bad;
        const QString badPath = writeFile(QStringLiteral("pbad.conf"), "\nrate = lots\n");
        bad.start(bin, {"--config", badPath, "--check-config"});
        QVERIFY(bad.waitForFinished(10000));
        QCOMPARE(bad.exitCode(), 1);
        const QByteArray err = bad.readAllStandardError();
        QVERIFY2(err.contains(QStringLiteral("%1:2: rate:").arg(badPath).toUtf8()),
                 err.constData());

        // TLS files that do not load fail --check-config too.
        QProcess tls;
        const QString junk = writeFile(QStringLiteral("junk.pem"), "not a certificate\n");
        tls.start(bin, {"--check-config", "--tls-cert", junk, "--tls-key", junk});
        QVERIFY(tls.waitForFinished(10000));
        QCOMPARE(tls.exitCode(), 1);
        QVERIFY(tls.readAllStandardError().contains("no PEM certificate"));
    }
};

QTEST_GUILESS_MAIN(TestServerConfig)
#include "tst_server_config.moc"
