// The man pages come from the programs themselves (--man) and cannot drift
// from --help: for each program every option --help lists is in the page,
// the page has the usual sections, groff renders it without a warning, and
// --help and --man work without a display (the desktop client included).

#include "ciskip.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QtTest>

namespace {

constexpr int WaitMs = 20000;

struct Output
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs a program with no display at all: no X, no Wayland, no Qt platform.
Output run(const QString &program, const QStringList &args, const QByteArray &input = {})
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QString::fromLatin1(name));
    p.setProcessEnvironment(env);
    p.start(program, args);
    if (!p.waitForStarted(WaitMs))
        return {};
    p.write(input);
    p.closeWriteChannel();
    p.waitForFinished(WaitMs);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

QString roffName(QString name)
{
    return name.replace(QLatin1Char('-'), QStringLiteral("\\-"));
}

} // namespace

class TestManPages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pages_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("command");
        const QString lab = qEnvironmentVariable("LONGLINE_SOURCE_DIR") + "/lab/longline-lab";
        QTest::newRow("longline-server")
            << "longline-server" << QStringList{qEnvironmentVariable("LONGLINE_SERVER_BIN")};
        QTest::newRow("longline-cli")
            << "longline-cli" << QStringList{qEnvironmentVariable("LONGLINE_CLI_BIN")};
        QTest::newRow("longline") << "longline"
                                  << QStringList{qEnvironmentVariable("LONGLINE_GUI_BIN")};
        QTest::newRow("longline-lab") << "longline-lab" << QStringList{"python3", lab};
    }

    void pages()
    {
        QFETCH(QString, name);
        QFETCH(QStringList, command);
        if (command.first().isEmpty())
            LONGLINE_SKIP_UNLESS_CI(qPrintable(name + " was not built"));
        const QString program = command.takeFirst();

        const Output help = run(program, command + QStringList{"--help"});
        QVERIFY2(help.exitCode == 0, help.err.constData());
        const Output man = run(program, command + QStringList{"--man"});
        QVERIFY2(man.exitCode == 0, man.err.constData());
        const QString page = QString::fromUtf8(man.out);

        QVERIFY2(page.contains(QStringLiteral(".TH %1 1").arg(roffName(name.toUpper()))),
                 qPrintable(page.left(300)));
        for (const char *section : {".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS"})
            QVERIFY2(page.contains(QLatin1String(section)), section);

        // Every long option in --help (option lines start with blanks and a dash).
        static const QRegularExpression optionLine(QStringLiteral("^\\s+-.*$"),
                                                   QRegularExpression::MultilineOption);
        static const QRegularExpression longOption(QStringLiteral("--([a-z][a-z0-9-]*)"));
        QSet<QString> options;
        for (auto lines = optionLine.globalMatch(QString::fromUtf8(help.out)); lines.hasNext();) {
            const QString line = lines.next().captured(0);
            const auto first = longOption.match(line);
            if (first.hasMatch() && line.indexOf(first.captured(0)) < 12)
                options.insert(first.captured(1));
        }
        QVERIFY2(options.size() >= 3, qPrintable(QString::fromUtf8(help.out)));
        options.remove(QStringLiteral("help-all")); // Qt's own, --help's Qt-specific variant
        for (const QString &option : options)
            QVERIFY2(page.contains(QStringLiteral("\\-\\-") + roffName(option)),
                     qPrintable(name + ": --" + option + " is in --help but not in the man page"));

        // groff parses it cleanly (-ww: all warnings).
        const Output groff = run(QStringLiteral("groff"), {"-man", "-ww", "-z"}, man.out);
        QVERIFY2(groff.exitCode == 0 && groff.err.isEmpty(), groff.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestManPages)
#include "tst_man_pages.moc"
