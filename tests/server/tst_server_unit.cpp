// Unit tests of the server's building blocks: argument parsing, ping and
// rate policing, the history store and the log line format.

#include "addresskey.h"
#include "auththrottle.h"
#include "errorbudget.h"
#include "historystore.h"
#include "logthrottle.h"
#include "nickguard.h"
#include "pingguard.h"
#include "presencethrottle.h"
#include "ratelimiter.h"
#include "serverconfig.h"
#include "serverlog.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace longline;
using namespace longline::server;
using namespace std::chrono_literals;

class TestServerUnit : public QObject
{
    Q_OBJECT

private:
    static ParsedArguments parse(const QStringList &args)
    {
        // No default configuration file: a machine with the package installed
        // must not change what these tests see.
        return parseArguments(QStringList{QStringLiteral("longline-server")} + args, QString());
    }

private Q_SLOTS:
    void defaults()
    {
        const ParsedArguments p = parse({});
        QCOMPARE(p.outcome, ParseOutcome::Run);
        const ServerConfig &c = p.config;
        QCOMPARE(c.address, QHostAddress(QHostAddress::AnyIPv4));
        QCOMPARE(c.port, quint16(9999));
        QVERIFY(!c.liveness.keepalive.enabled);
        QCOMPARE(c.liveness.userTimeout, Millis{0});
        QVERIFY(c.liveness.heartbeat.enabled);
        QCOMPARE(c.liveness.heartbeat.interval, Millis{15000});
        QCOMPARE(c.liveness.heartbeat.timeout, Millis{10000});
        QCOMPARE(c.minClientPing, Millis{1000});
        QCOMPARE(c.maxLine, 4096);
        QCOMPARE(c.maxClients, 10000);
        QCOMPARE(c.maxPerAddress, 64);
        QCOMPARE(c.ratePer10s, 50);
        QCOMPARE(c.maxHistory, 500);
        QVERIFY(c.dbPath.isEmpty()); // resolved by main() to the default
        QVERIFY(c.logPath.isEmpty());
        QCOMPARE(c.lineTimeout, Millis{30000});
        QCOMPARE(c.maxOutputBytes, qint64(1024 * 1024));
    }

    void allFlags()
    {
        const ParsedArguments p = parse({"--listen",
                                         "[::]:0",
                                         "--keepalive",
                                         "7,3,2",
                                         "--user-timeout",
                                         "5000",
                                         "--heartbeat",
                                         "0.5,1.25",
                                         "--min-client-ping",
                                         "0.2",
                                         "--max-line",
                                         "512",
                                         "--max-clients",
                                         "3",
                                         "--max-per-address",
                                         "2",
                                         "--rate",
                                         "0",
                                         "--db",
                                         ":memory:",
                                         "--max-history",
                                         "20",
                                         "--log",
                                         "/tmp/x.log",
                                         "--line-timeout",
                                         "2.5",
                                         "--max-output",
                                         "65536"});
        QCOMPARE(p.outcome, ParseOutcome::Run);
        const ServerConfig &c = p.config;
        QCOMPARE(c.address, QHostAddress(QHostAddress::Any)); // dual stack
        QCOMPARE(c.port, quint16(0));
        QVERIFY(c.liveness.keepalive.enabled);
        QCOMPARE(c.liveness.keepalive.idleS, 7);
        QCOMPARE(c.liveness.keepalive.intervalS, 3);
        QCOMPARE(c.liveness.keepalive.count, 2);
        QCOMPARE(c.liveness.userTimeout, Millis{5000});
        QCOMPARE(c.liveness.heartbeat.interval, Millis{500});
        QCOMPARE(c.liveness.heartbeat.timeout, Millis{1250});
        QCOMPARE(c.minClientPing, Millis{200});
        QCOMPARE(c.maxLine, 512);
        QCOMPARE(c.maxClients, 3);
        QCOMPARE(c.maxPerAddress, 2);
        QCOMPARE(c.ratePer10s, 0);
        QCOMPARE(c.dbPath, QStringLiteral(":memory:"));
        QCOMPARE(c.maxHistory, 20);
        QCOMPARE(c.logPath, QStringLiteral("/tmp/x.log"));
        QCOMPARE(c.lineTimeout, Millis{2500});
        QCOMPARE(c.maxOutputBytes, qint64(65536));
        QCOMPARE(c.listenText(), QStringLiteral("[::]:0"));

        const ParsedArguments off = parse({"--heartbeat", "off", "--keepalive", "off",
                                           "--user-timeout", "off", "--min-client-ping", "0"});
        QCOMPARE(off.outcome, ParseOutcome::Run);
        QVERIFY(!off.config.liveness.heartbeat.enabled);
        QCOMPARE(off.config.minClientPing, Millis{0});
    }

    void helpAndVersion()
    {
        QCOMPARE(parse({"--help"}).outcome, ParseOutcome::Help);
        QVERIFY(parse({"--help"}).message.contains(QStringLiteral("--max-per-address")));
        QCOMPARE(parse({"-h"}).outcome, ParseOutcome::Help);
        QCOMPARE(parse({"--version"}).outcome, ParseOutcome::Version);
        QVERIFY(parse({"--version"}).message.contains(QStringLiteral(LONGLINE_VERSION)));
    }

    void defaultDbPathFollowsSystemd()
    {
        const QByteArray saved = qgetenv("STATE_DIRECTORY");
        qputenv("STATE_DIRECTORY", "/var/lib/longline");
        QCOMPARE(ServerConfig::defaultDbPath(), QStringLiteral("/var/lib/longline/history.db"));
        // systemd lists several directories colon separated; the first is ours.
        qputenv("STATE_DIRECTORY", "/var/lib/longline:/var/lib/other");
        QCOMPARE(ServerConfig::defaultDbPath(), QStringLiteral("/var/lib/longline/history.db"));
        if (saved.isNull())
            qunsetenv("STATE_DIRECTORY");
        else
            qputenv("STATE_DIRECTORY", saved);
    }

    void badValues_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown flag") << QStringList{"--nope"};
        QTest::newRow("missing value") << QStringList{"--rate"};
        QTest::newRow("positional") << QStringList{"9999"};
        QTest::newRow("listen") << QStringList{"--listen", "1.2.3.4"};
        QTest::newRow("listen v6 unbracketed") << QStringList{"--listen", "::1:99"};
        QTest::newRow("listen port") << QStringList{"--listen", ":65536"};
        QTest::newRow("listen name") << QStringList{"--listen", "host.example:1"};
        QTest::newRow("keepalive") << QStringList{"--keepalive", "60,5"};
        QTest::newRow("user-timeout") << QStringList{"--user-timeout", "soon"};
        QTest::newRow("heartbeat") << QStringList{"--heartbeat", "0,1"};
        QTest::newRow("min ping") << QStringList{"--min-client-ping", "x"};
        QTest::newRow("max-line") << QStringList{"--max-line", "63"};
        QTest::newRow("max-clients") << QStringList{"--max-clients", "-3"};
        QTest::newRow("max-per-address") << QStringList{"--max-per-address", "0"};
        QTest::newRow("rate") << QStringList{"--rate", "1.5"};
        QTest::newRow("max-history") << QStringList{"--max-history", "100001"};
        QTest::newRow("db empty") << QStringList{"--db", ""};
        QTest::newRow("max-output") << QStringList{"--max-output", "10"};
    }

    void badValues()
    {
        QFETCH(QStringList, args);
        const ParsedArguments p = parse(args);
        QCOMPARE(p.outcome, ParseOutcome::Error);
        QVERIFY(!p.message.isEmpty());
    }

    void listenForms_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("address");
        QTest::addColumn<int>("port");
        QTest::newRow("v4") << "127.0.0.1:9999"
                            << "127.0.0.1" << 9999;
        QTest::newRow("any v4") << "0.0.0.0:0"
                                << "0.0.0.0" << 0;
        QTest::newRow("star") << "*:80"
                              << "0.0.0.0" << 80;
        QTest::newRow("port only") << ":81"
                                   << "0.0.0.0" << 81;
        QTest::newRow("localhost") << "localhost:82"
                                   << "127.0.0.1" << 82;
        QTest::newRow("v6 any, dual stack") << "[::]:9999"
                                            << "any" << 9999;
        QTest::newRow("v6 loopback") << "[::1]:1"
                                     << "::1" << 1;
    }

    void listenForms()
    {
        QFETCH(QString, text);
        QFETCH(QString, address);
        QFETCH(int, port);
        QHostAddress a;
        quint16 p = 7;
        QString error;
        QVERIFY2(parseListen(text, &a, &p, &error), qPrintable(error));
        QCOMPARE(a, address == QLatin1String("any") ? QHostAddress(QHostAddress::Any)
                                                    : QHostAddress(address));
        QCOMPARE(int(p), port);
    }

    void pingGuard()
    {
        PingGuard g(1000ms);
        QCOMPARE(g.notePing(Millis{10000}), PingGuard::Verdict::Accept);
        QCOMPARE(g.notePing(Millis{11000}), PingGuard::Verdict::Accept); // exactly minping
        // Early only because the one before was late: forgiven once.
        QCOMPARE(g.notePing(Millis{11100}), PingGuard::Verdict::Accept);
        QCOMPARE(g.notePing(Millis{11200}), PingGuard::Verdict::TooFast);
        QCOMPARE(g.strikes(), 1);
        QCOMPARE(g.notePing(Millis{12000}), PingGuard::Verdict::Accept); // back on pace
        QCOMPARE(g.notePing(Millis{12100}), PingGuard::Verdict::TooFast);
        QCOMPARE(g.notePing(Millis{12200}), PingGuard::Verdict::TooManyStrikes);

        // A client whose timer fires late, then on its schedule (QTimer
        // keeps its phase), at 1.1 s: never struck.
        PingGuard honest(1000ms);
        for (int i = 0; i < 100; ++i) {
            const int late = (i % 7 == 3) ? 900 : 0;
            QCOMPARE(honest.notePing(Millis{i * 1100 + late}), PingGuard::Verdict::Accept);
        }
        QCOMPARE(honest.strikes(), 0);

        // Twice the allowed pace: half the PINGs are refused, and the
        // third strike within a minute ends it.
        PingGuard fast(1000ms);
        int refused = 0;
        PingGuard::Verdict last = PingGuard::Verdict::Accept;
        for (int i = 0; i < 20 && last != PingGuard::Verdict::TooManyStrikes; ++i) {
            last = fast.notePing(Millis{i * 500});
            refused += last != PingGuard::Verdict::Accept;
        }
        QCOMPARE(last, PingGuard::Verdict::TooManyStrikes);
        QCOMPARE(refused, 3);

        // Strikes older than a minute are forgiven.
        PingGuard slow(1000ms);
        slow.notePing(Millis{0});
        slow.notePing(Millis{0});
        QCOMPARE(slow.notePing(Millis{100}), PingGuard::Verdict::TooFast);
        QCOMPARE(slow.notePing(Millis{200}), PingGuard::Verdict::TooFast);
        QCOMPARE(slow.notePing(Millis{70000}), PingGuard::Verdict::Accept);
        QCOMPARE(slow.notePing(Millis{70000}), PingGuard::Verdict::Accept);
        QCOMPARE(slow.notePing(Millis{70100}), PingGuard::Verdict::TooFast);
        QCOMPARE(slow.strikes(), 1);

        PingGuard off(Millis{0});
        for (int i = 0; i < 10; ++i)
            QCOMPARE(off.notePing(Millis{i}), PingGuard::Verdict::Accept);
    }

    void rateLimiter()
    {
        RateLimiter r(3, 10s);
        QVERIFY(r.tryAcquire(Millis{0}));
        QVERIFY(r.tryAcquire(Millis{1000}));
        QVERIFY(r.tryAcquire(Millis{2000}));
        QVERIFY(!r.tryAcquire(Millis{3000}));
        QCOMPARE(r.retryAfter(Millis{3000}), Millis{7000});
        QVERIFY(!r.tryAcquire(Millis{9999}));
        QVERIFY(r.tryAcquire(Millis{10000})); // the first one left the window
        QVERIFY(!r.tryAcquire(Millis{10500}));
        RateLimiter unlimited(0);
        for (int i = 0; i < 1000; ++i)
            QVERIFY(unlimited.tryAcquire(Millis{0}));
    }

    void addressKeys()
    {
        QCOMPARE(addressKey(QHostAddress(QStringLiteral("198.51.100.7"))),
                 QStringLiteral("198.51.100.7"));
        // IPv4 through a dual-stack listener counts as IPv4.
        QCOMPARE(addressKey(QHostAddress(QStringLiteral("::ffff:198.51.100.7"))),
                 QStringLiteral("198.51.100.7"));
        // One IPv6 subscriber holds a /64: all of it is one address.
        QCOMPARE(addressKey(QHostAddress(QStringLiteral("2001:db8:1:2:aaaa::1"))),
                 addressKey(QHostAddress(QStringLiteral("2001:db8:1:2:bbbb::2"))));
        QVERIFY(addressKey(QHostAddress(QStringLiteral("2001:db8:1:2::1"))) !=
                addressKey(QHostAddress(QStringLiteral("2001:db8:1:3::1"))));
    }

    void presenceThrottle()
    {
        PresenceThrottle t;
        const QHostAddress churner(QStringLiteral("198.51.100.1"));
        const QHostAddress other(QStringLiteral("198.51.100.2"));
        Millis now{1000000};
        for (int i = 0; i < PresenceThrottle::Burst; ++i)
            QVERIFY(t.admitAnnouncement(churner, now));
        QVERIFY(!t.admitAnnouncement(churner, now));
        QVERIFY(!t.admitAnnouncement(churner, now + PresenceThrottle::RefillEvery - 1ms));
        QVERIFY(t.admitAnnouncement(other, now)); // per address
        // One more per refill period, not a new burst.
        now += PresenceThrottle::RefillEvery;
        QVERIFY(t.admitAnnouncement(churner, now));
        QVERIFY(!t.admitAnnouncement(churner, now));
        // A quiet address is forgotten once its budget is full again.
        QCOMPARE(t.trackedAddresses(), 2);
        now += PresenceThrottle::RefillEvery * PresenceThrottle::Burst + 60s;
        QVERIFY(t.admitAnnouncement(QHostAddress(QStringLiteral("198.51.100.3")), now));
        QCOMPARE(t.trackedAddresses(), 1);
    }

    void presenceThrottleIsBounded()
    {
        PresenceThrottle t;
        const Millis now{1000000};
        for (int i = 0; i < PresenceThrottle::MaxTracked; ++i)
            QVERIFY(t.admitAnnouncement(QHostAddress(quint32(0x0a000000 + i)), now));
        QCOMPARE(t.trackedAddresses(), PresenceThrottle::MaxTracked);
        // Full of fresh entries: the newcomer is not announced, not tracked.
        QVERIFY(!t.admitAnnouncement(QHostAddress(QStringLiteral("203.0.113.9")), now));
        QCOMPARE(t.trackedAddresses(), PresenceThrottle::MaxTracked);
    }

    void authThrottle()
    {
        AuthThrottle t;
        const QHostAddress guesser(QStringLiteral("198.51.100.1"));
        Millis now{1000000};
        for (int i = 0; i < AuthThrottle::FreeFailures; ++i) {
            QCOMPARE(t.noteFailure(guesser, now), Millis{0});
            QCOMPARE(t.retryAfter(guesser, now), Millis{0});
        }
        QCOMPARE(t.noteFailure(guesser, now), AuthThrottle::FirstDelay);
        QCOMPARE(t.retryAfter(guesser, now + 400ms), AuthThrottle::FirstDelay - 400ms);
        QCOMPARE(t.retryAfter(QHostAddress(QStringLiteral("198.51.100.2")), now), Millis{0});
        now += AuthThrottle::FirstDelay;
        QCOMPARE(t.retryAfter(guesser, now), Millis{0});
        QCOMPARE(t.noteFailure(guesser, now), 2 * AuthThrottle::FirstDelay);
        now += 2 * AuthThrottle::FirstDelay;
        QCOMPARE(t.noteFailure(guesser, now), 4 * AuthThrottle::FirstDelay);
        for (int i = 0; i < 40; ++i)
            QVERIFY(t.noteFailure(guesser, now) <= AuthThrottle::MaxDelay);
        QCOMPARE(t.noteFailure(guesser, now), AuthThrottle::MaxDelay);
        // Quiet long enough past its delay, the address starts afresh.
        now += AuthThrottle::MaxDelay + AuthThrottle::ForgetAfter;
        QCOMPARE(t.noteFailure(guesser, now), Millis{0});
        QCOMPARE(t.trackedAddresses(), 1);
    }

    void logThrottle()
    {
        LogThrottle t;
        const Millis interval = 10s;
        Millis now{1000000};
        QVERIFY(t.note(now));
        for (int i = 0; i < 5; ++i)
            QVERIFY(!t.note(now + Millis{i}));
        QCOMPARE(t.flush(now + interval - 1ms, interval), 0); // window still open
        QVERIFY(!t.note(now + interval - 1ms));
        QCOMPARE(t.flush(now + interval, interval), 6);
        QCOMPARE(t.flush(now + interval, interval), 0);
        now += interval;
        QVERIFY(t.note(now)); // a new run logs in full again
        QVERIFY(!t.note(now));
        QCOMPARE(t.flushAll(), 1);
        QCOMPARE(t.flushAll(), 0);
    }

    void errorBudget()
    {
        ErrorBudget b;
        Millis now{1000000};
        for (int i = 0; i < ErrorBudget::MaxErrors; ++i)
            QVERIFY(b.spend(now + Millis{i}));
        QVERIFY(!b.spend(now + 100ms));
        // A new window starts afresh.
        now += ErrorBudget::Window;
        for (int i = 0; i < ErrorBudget::MaxErrors; ++i)
            QVERIFY(b.spend(now));
        QVERIFY(!b.spend(now + ErrorBudget::Window - 1ms));
    }

    void nickGuard()
    {
        NickGuard g;
        Millis now{1000000};
        g.noteOnline(QStringLiteral("cop"), QStringLiteral("cop"));
        const auto online = g.lookAlikeOf(QStringLiteral("c0p"), QStringLiteral("cop"), now);
        QVERIFY(online);
        QCOMPARE(online->nick, QStringLiteral("cop"));
        QVERIFY(online->online);
        QVERIFY(!g.lookAlikeOf(QStringLiteral("cop"), QStringLiteral("cop"), now)); // itself
        g.noteOffline(QStringLiteral("cop"), now);
        const auto recent = g.lookAlikeOf(QStringLiteral("c0p"), QStringLiteral("cop"), now + 1s);
        QVERIFY(recent);
        QVERIFY(!recent->online);
        QVERIFY(!g.lookAlikeOf(QStringLiteral("c0p"), QStringLiteral("cop"),
                               now + NickGuard::RememberFor));
    }

    void nickGuardIsBounded()
    {
        NickGuard g;
        Millis now{1000000};
        for (int i = 0; i <= NickGuard::MaxRemembered; ++i) {
            const QString nick = QStringLiteral("n%1").arg(i);
            g.noteOnline(nick, nick);
            g.noteOffline(nick, now);
            now += 1ms;
        }
        QCOMPARE(g.remembered(), NickGuard::MaxRemembered);
        // The oldest went first.
        QVERIFY(!g.lookAlikeOf(QStringLiteral("x"), QStringLiteral("n0"), now));
        QVERIFY(g.lookAlikeOf(QStringLiteral("x"), QStringLiteral("n1"), now));
        // Coming back online takes a nick out of the offline order.
        g.noteOnline(QStringLiteral("n1"), QStringLiteral("n1"));
        g.noteOffline(QStringLiteral("n1"), now);
        QCOMPARE(g.remembered(), NickGuard::MaxRemembered);
    }

    void historyStore()
    {
        HistoryStore store;
        QString error;
        QVERIFY2(store.open(QStringLiteral(":memory:"), &error), qPrintable(error));
        QCOMPARE(store.lastSeq(), qint64(0));
        const QDateTime t = QDateTime::fromMSecsSinceEpoch(1795000000123, Qt::UTC);
        const auto m1 = store.append("Alice", "alice", "hello", QString(), t, &error);
        QVERIFY(m1);
        QCOMPARE(m1->seq, qint64(1));
        QCOMPARE(m1->time, t);
        const auto m2 = store.append("Alice", "alice", "with id", "c1", t.addSecs(1), &error);
        QVERIFY(m2);
        QCOMPARE(m2->seq, qint64(2));
        QCOMPARE(store.lastSeq(), qint64(2));
        QVERIFY(store.findByCid("alice", "c1"));
        QCOMPARE(store.findByCid("alice", "c1")->seq, qint64(2));
        QVERIFY(!store.findByCid("bob", "c1"));
        QVERIFY(!store.findByCid("alice", "c2"));
        // The same cid twice for one nick is refused by the database too.
        QVERIFY(!store.append("Alice", "alice", "again", "c1", t, &error));
        QVERIFY(store.append("Bob", "bob", "bob's c1", "c1", t, &error));

        const HistoryStore::Page all = store.page(0, 10);
        QCOMPARE(all.messages.size(), 3);
        QVERIFY(!all.more);
        QCOMPARE(all.messages.at(1).text, QStringLiteral("with id"));
        QCOMPARE(all.messages.at(1).nick, QStringLiteral("Alice"));
        const HistoryStore::Page first = store.page(0, 2);
        QCOMPARE(first.messages.size(), 2);
        QVERIFY(first.more);
        const HistoryStore::Page rest = store.page(first.messages.last().seq, 2);
        QCOMPARE(rest.messages.size(), 1);
        QVERIFY(!rest.more);
        // The refused duplicate used up no sequence number.
        QCOMPARE(rest.messages.first().seq, qint64(3));
        QCOMPARE(store.lastSeq(), qint64(3));
        QVERIFY(store.page(3, 5).messages.isEmpty());
    }

    void historyStoreReopens()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("h.db"));
        QString error;
        {
            HistoryStore store;
            QVERIFY2(store.open(path, &error), qPrintable(error));
            QCOMPARE(store.journalMode(), QStringLiteral("wal"));
            for (int i = 0; i < 3; ++i)
                QVERIFY(store.append("a", "a", QString::number(i), "id" + QString::number(i),
                                     QDateTime::currentDateTimeUtc(), &error));
        }
        HistoryStore again;
        QVERIFY2(again.open(path, &error), qPrintable(error));
        QCOMPARE(again.lastSeq(), qint64(3));
        QVERIFY(again.findByCid("a", "id1"));
        const auto next =
            again.append("a", "a", "x", QString(), QDateTime::currentDateTimeUtc(), &error);
        QVERIFY(next);
        QCOMPARE(next->seq, qint64(4));
        // Two stores at once (each its own SQL connection) do not clash.
        HistoryStore other;
        QVERIFY(other.open(QStringLiteral(":memory:"), &error));
        QCOMPARE(other.lastSeq(), qint64(0));
    }

    // A server starting with --take-over opens the file while the old one
    // still stores messages: the old one's batch, which reads (the duplicate
    // check) before it writes, must not fail because of it.
    void historyStoreSharesItsFileWithANewProcess()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("h.db"));
        QString error;
        HistoryStore serving;
        QVERIFY2(serving.open(path, &error), qPrintable(error));
        QVERIFY(serving.append("a", "a", "before", "c0", QDateTime::currentDateTimeUtc(), &error));
        QVERIFY2(serving.begin(&error), qPrintable(error));
        QVERIFY(!serving.findByCid("a", "c1"));
        HistoryStore starting;
        QVERIFY2(starting.open(path, &error), qPrintable(error));
        {
            // Any other writer waits for the batch (here it gives up after
            // 50 ms) instead of breaking it.
            QSqlDatabase other =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("other"));
            other.setDatabaseName(path);
            other.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=50"));
            QVERIFY(other.open());
            QSqlQuery write(other);
            QVERIFY(!write.exec(QStringLiteral("PRAGMA user_version=1")));
            write = QSqlQuery();
            other.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("other"));
        QVERIFY2(serving.append("a", "a", "during", "c1", QDateTime::currentDateTimeUtc(), &error),
                 qPrintable(error));
        QVERIFY2(serving.commit(&error), qPrintable(error));
        QVERIFY2(starting.rereadLastSeq(&error), qPrintable(error));
        QCOMPARE(starting.lastSeq(), qint64(2));
        QVERIFY(starting.findByCid("a", "c1"));
    }

    void damagedHistoryIsRefused()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("history.db"));
        {
            HistoryStore store;
            QString error;
            QVERIFY2(store.open(path, &error), qPrintable(error));
            const QString text(500, QLatin1Char('m'));
            for (int i = 0; i < 200; ++i)
                QVERIFY(store.append(QStringLiteral("bob"), QStringLiteral("bob"), text, QString(),
                                     QDateTime::currentDateTimeUtc(), &error));
        } // closed: the WAL is checkpointed into the file
        QFile f(path);
        QVERIFY(f.size() > 8 * 4096);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.seek(4 * 4096));
        QVERIFY(f.write(QByteArray(2 * 4096, '\xa5')) == 2 * 4096);
        f.close();
        HistoryStore store;
        QString error;
        QVERIFY(!store.open(path, &error));
        QVERIFY2(error.contains(QLatin1String("damaged")) &&
                     error.contains(QStringLiteral("sqlite3 '%1' .recover").arg(path)),
                 qPrintable(error));
    }

    void logFormat()
    {
        QCOMPARE(ServerLog::formatValue("plain"), QStringLiteral("plain"));
        QCOMPARE(ServerLog::formatValue(""), QStringLiteral("\"\""));
        QCOMPARE(ServerLog::formatValue("two words"), QStringLiteral("\"two words\""));
        QCOMPARE(ServerLog::formatValue("a=b"), QStringLiteral("\"a=b\""));
        QCOMPARE(ServerLog::formatValue("say \"hi\""), QStringLiteral("\"say \\\"hi\\\"\""));
        QCOMPARE(ServerLog::formatValue("line\nbreak"), QStringLiteral("\"line\\nbreak\""));
        QCOMPARE(ServerLog::formatValue(QStringLiteral("esc\x1b")), QStringLiteral("\"esc\\x1b\""));
        QCOMPARE(ServerLog::formatLine("2026-11-23T21:50:00.123Z", "disconnect",
                                       {{"id", "3"}, {"reason", "heartbeat timeout after 1.00 s"}}),
                 QStringLiteral("2026-11-23T21:50:00.123Z disconnect id=3 reason=\"heartbeat "
                                "timeout after 1.00 s\"\n"));
    }
};

QTEST_GUILESS_MAIN(TestServerUnit)
#include "tst_server_unit.moc"
