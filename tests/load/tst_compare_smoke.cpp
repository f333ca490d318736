// Smoke run of `longline-bench compare --quick` at 200 connections against
// longline-server, mosquitto, redis-server and the floor (longline-floor),
// all real processes on loopback. Asserts that every server was measured completely and that each
// figure is sane (present, positive where it must be, every request
// answered). Speed is never asserted: targets are the bench's business.

#include "ciskip.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr int Connections = 200;
constexpr int RunBudgetMs = 100'000; // the quick run takes about 20 s here

} // namespace

class CompareSmoke : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void everyServerHasCompleteFigures();
    void longlineExtrasAreMeasured();
    void floorRatioIsPrinted();
    void reportsAreWritten();
    void aSecondRunIntoTheSameDirectoryStartsFresh(); // last: it rewrites the reports

private:
    QJsonObject server(const QString &name) const;

    QTemporaryDir m_out;
    QJsonObject m_results;
};

void CompareSmoke::initTestCase()
{
    const QString bench = qEnvironmentVariable("LONGLINE_BENCH_BIN");
    const QString serverBin = qEnvironmentVariable("LONGLINE_SERVER_BIN");
    if (bench.isEmpty() || serverBin.isEmpty())
        LONGLINE_SKIP_UNLESS_CI("LONGLINE_BENCH_BIN or LONGLINE_SERVER_BIN not set; run through "
                                "ctest");
    for (const char *program : {"mosquitto", "redis-server"})
        if (QStandardPaths::findExecutable(
                QString::fromLatin1(program),
                {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")})
                .isEmpty())
            LONGLINE_SKIP_UNLESS_CI(QByteArray(program) +
                                    " is not installed (scripts/install-deps.sh)");
    QVERIFY(m_out.isValid());

    QProcess run;
    run.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    run.start(bench,
              {QStringLiteral("compare"), QStringLiteral("--quick"), QStringLiteral("--sizes"),
               QString::number(Connections), QStringLiteral("--out"), m_out.path(),
               QStringLiteral("--server"), serverBin});
    QVERIFY(run.waitForStarted());
    QVERIFY2(run.waitForFinished(RunBudgetMs), "the quick comparison did not finish");
    QCOMPARE(run.exitStatus(), QProcess::NormalExit);
    QCOMPARE(run.exitCode(), 0);

    QFile json(m_out.filePath(QStringLiteral("results.json")));
    QVERIFY(json.open(QIODevice::ReadOnly));
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(json.readAll(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    m_results = doc.object();
    QVERIFY(m_results.value(QStringLiteral("quick")).toBool());
}

QJsonObject CompareSmoke::server(const QString &name) const
{
    for (const QJsonValue &s : m_results.value(QStringLiteral("servers")).toArray())
        if (s.toObject().value(QStringLiteral("name")).toString() == name)
            return s.toObject();
    return {};
}

void CompareSmoke::everyServerHasCompleteFigures()
{
    for (const QString &name : {QStringLiteral("longline-server"), QStringLiteral("mosquitto"),
                                QStringLiteral("redis-server"), QStringLiteral("floor")}) {
        const QByteArray who = name.toUtf8();
        const QJsonObject s = server(name);
        QVERIFY2(!s.isEmpty(), who);
        QVERIFY2(s.value(QStringLiteral("skipped")).toString().isEmpty(), who);
        const QJsonArray runs = s.value(QStringLiteral("runs")).toArray();
        QCOMPARE(runs.size(), 1);
        const QJsonObject r = runs.at(0).toObject();
        const QByteArray note = who + ": " + r.value(QStringLiteral("note")).toString().toUtf8();
        QCOMPARE(r.value(QStringLiteral("n")).toInt(), Connections);
        QVERIFY2(r.value(QStringLiteral("settled")).toBool(), note);
        QCOMPARE(r.value(QStringLiteral("registered")).toInt(), Connections);
        QCOMPARE(r.value(QStringLiteral("closed_by_server")).toInt(), 0);
        QCOMPARE(r.value(QStringLiteral("server_errors")).toInt(), 0);

        // Memory: the server grew, by less than 1 MiB a connection. The floor
        // keeps nothing per connection, so it may not grow at all.
        const double kib = r.value(QStringLiteral("rss_per_conn_kib")).toDouble(-1);
        const double leastKib = name == QStringLiteral("floor") ? 0 : 1e-9;
        QVERIFY2(kib >= leastKib && kib < 1024, note);
        // Idle CPU: a share of the two cores, over a real window.
        const double idle = r.value(QStringLiteral("idle_cpu_percent")).toDouble(-1);
        QVERIFY2(idle >= 0 && idle <= 200, note);
        QVERIFY(r.value(QStringLiteral("idle_window_s")).toDouble() >= 0.9);

        // Pings: some sent, every one answered, percentiles ordered.
        const QJsonObject pings = r.value(QStringLiteral("pings")).toObject();
        const int sent = pings.value(QStringLiteral("sent")).toInt();
        QVERIFY2(sent > 1000, note);
        QCOMPARE(pings.value(QStringLiteral("answered")).toInt(), sent);
        const double p50 = pings.value(QStringLiteral("p50_ms")).toDouble(-1);
        const double p99 = pings.value(QStringLiteral("p99_ms")).toDouble(-1);
        QVERIFY2(p50 > 0 && p50 <= p99, note);
        const double perPing = r.value(QStringLiteral("cpu_per_ping_us")).toDouble(-1);
        QVERIFY2(perPing > 0 && perPing < 1e6, note);
    }
}

void CompareSmoke::aSecondRunIntoTheSameDirectoryStartsFresh()
{
    // The same --out again: the servers' scratch directories (the history
    // of the first run's ACK phase among them) must not carry over.
    QProcess run;
    run.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    run.start(qEnvironmentVariable("LONGLINE_BENCH_BIN"),
              {QStringLiteral("compare"), QStringLiteral("--quick"), QStringLiteral("--sizes"),
               QString::number(Connections), QStringLiteral("--servers"),
               QStringLiteral("longline"), QStringLiteral("--out"), m_out.path(),
               QStringLiteral("--server"), qEnvironmentVariable("LONGLINE_SERVER_BIN")});
    QVERIFY(run.waitForStarted());
    QVERIFY2(run.waitForFinished(RunBudgetMs), "the second quick comparison did not finish");
    QCOMPARE(run.exitCode(), 0);
    QFile json(m_out.filePath(QStringLiteral("results.json")));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject ack =
        QJsonDocument::fromJson(json.readAll()).object().value(QStringLiteral("ack")).toObject();
    QVERIFY(ack.value(QStringLiteral("deliveries_expected")).toInteger() > 0);
    QCOMPARE(ack.value(QStringLiteral("deliveries_received")).toInteger(),
             ack.value(QStringLiteral("deliveries_expected")).toInteger());
}

void CompareSmoke::longlineExtrasAreMeasured()
{
    const QJsonObject r = server(QStringLiteral("longline-server"))
                              .value(QStringLiteral("runs"))
                              .toArray()
                              .at(0)
                              .toObject();
    QCOMPARE(r.value(QStringLiteral("room_size")).toInt(), Connections);
    QCOMPARE(r.value(QStringLiteral("room_reached")).toInt(), Connections);
    QVERIFY(r.value(QStringLiteral("room_message_ms")).toDouble(-1) > 0);

    const QJsonObject storm = m_results.value(QStringLiteral("storm")).toObject();
    QCOMPARE(storm.value(QStringLiteral("n")).toInt(), Connections);
    QCOMPARE(storm.value(QStringLiteral("welcomed")).toInt(), Connections);
    QVERIFY(storm.value(QStringLiteral("all_welcomed_s")).toDouble(-1) > 0);
    const QJsonObject probes = storm.value(QStringLiteral("probe_pings")).toObject();
    QVERIFY(probes.value(QStringLiteral("sent")).toInt() > 0);
    QCOMPARE(probes.value(QStringLiteral("answered")).toInt(),
             probes.value(QStringLiteral("sent")).toInt());

    const QJsonObject ack = m_results.value(QStringLiteral("ack")).toObject();
    const QJsonObject acks = ack.value(QStringLiteral("acks")).toObject();
    QVERIFY(acks.value(QStringLiteral("sent")).toInt() > 0);
    QCOMPARE(acks.value(QStringLiteral("answered")).toInt(),
             acks.value(QStringLiteral("sent")).toInt());
    QVERIFY(acks.value(QStringLiteral("p99_ms")).toDouble(-1) > 0);
    QCOMPARE(ack.value(QStringLiteral("deliveries_received")).toInteger(),
             ack.value(QStringLiteral("deliveries_expected")).toInteger());

    // Every target is judged with a figure (holding or not is not asserted).
    const QJsonArray targets = m_results.value(QStringLiteral("targets")).toArray();
    QVERIFY(targets.size() >= 9);
    for (const QJsonValue &t : targets) {
        const QJsonObject o = t.toObject();
        QVERIFY(!o.value(QStringLiteral("figure")).toString().isEmpty());
        QVERIFY2(o.value(QStringLiteral("holds")).isBool(),
                 o.value(QStringLiteral("target")).toString().toUtf8());
    }
}

// The CPU-per-PING target carries the floor's own ratio to mosquitto, and
// the floor is judged by no target.
void CompareSmoke::floorRatioIsPrinted()
{
    // A ratio, not "-": the floor and mosquitto both settled.
    const QRegularExpression floorRatio(
        QStringLiteral("\\(floor: \\d+\\.\\d\\d at %1\\)$").arg(Connections));
    bool found = false;
    for (const QJsonValue &t : m_results.value(QStringLiteral("targets")).toArray()) {
        const QJsonObject o = t.toObject();
        const QString name = o.value(QStringLiteral("target")).toString();
        QVERIFY2(!name.contains(QStringLiteral("floor")), name.toUtf8());
        if (name.startsWith(QStringLiteral("CPU per PING <= 0.8"))) {
            const QString figure = o.value(QStringLiteral("figure")).toString();
            QVERIFY2(figure.contains(floorRatio), figure.toUtf8());
            found = true;
        }
    }
    QVERIFY(found);
}

void CompareSmoke::reportsAreWritten()
{
    QFile md(m_out.filePath(QStringLiteral("results.md")));
    QVERIFY(md.open(QIODevice::ReadOnly));
    const QByteArray table = md.readAll();
    for (const char *row : {"| longline-server | 200 |", "| mosquitto | 200 |",
                            "| redis-server | 200 |", "| floor | 200 |"})
        QVERIFY2(table.contains(row), row);
    QFile png(m_out.filePath(QStringLiteral("chart.png")));
    QVERIFY(png.open(QIODevice::ReadOnly));
    QVERIFY(png.read(8) == QByteArray("\x89PNG\r\n\x1a\n", 8));
}

QTEST_GUILESS_MAIN(CompareSmoke)
#include "tst_compare_smoke.moc"
