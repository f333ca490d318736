// Alt+letter means one thing at a time: in the window (the menu bar, the
// chat, the banner and whichever page of the side panel is open), in each
// menu, and in the connect dialog; in English and in Chinese.

#include "connectdialog.h"
#include "connectionbanner.h"
#include "mainwindow.h"
#include "settingsstore.h"
#include "sidepanel.h"

#include <QAbstractButton>
#include <QApplication>
#include <QGroupBox>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QTabBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>

using namespace longline;
using namespace longline::app;

namespace {
// Who claims which Alt+letter in one scope.
class Scope
{
public:
    void add(const QString &text, const QString &owner)
    {
        const QKeySequence key = QKeySequence::mnemonic(text);
        if (!key.isEmpty())
            m_owners[key.toString()] << owner + QStringLiteral(" \"") + text + QLatin1Char('"');
    }

    // Every visible widget of `root` that has a mnemonic.
    void addWidgets(const QWidget *root)
    {
        for (const QWidget *w : root->findChildren<QWidget *>()) {
            if (!w->isVisible())
                continue;
            if (const auto *b = qobject_cast<const QAbstractButton *>(w))
                add(b->text(), QStringLiteral("button"));
            else if (const auto *l = qobject_cast<const QLabel *>(w); l && l->buddy())
                add(l->text(), QStringLiteral("label"));
            else if (const auto *g = qobject_cast<const QGroupBox *>(w))
                add(g->title(), QStringLiteral("group"));
            else if (const auto *t = qobject_cast<const QTabBar *>(w)) {
                for (int i = 0; i < t->count(); ++i)
                    add(t->tabText(i), QStringLiteral("tab"));
            }
        }
    }

    QString clashes() const
    {
        QStringList out;
        for (auto it = m_owners.cbegin(); it != m_owners.cend(); ++it) {
            if (it.value().size() > 1)
                out << it.key() + QStringLiteral(": ") + it.value().join(QStringLiteral(", "));
        }
        return out.join(QLatin1Char('\n'));
    }

private:
    QMap<QString, QStringList> m_owners;
};
} // namespace

class TestMnemonics : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void noClashes_data()
    {
        QTest::addColumn<QString>("language");
        QTest::newRow("en") << QStringLiteral("en");
        QTest::newRow("zh_CN") << QStringLiteral("zh_CN");
    }

    void noClashes()
    {
        QFETCH(QString, language);
        QTranslator translator;
        if (language != QLatin1String("en")) {
            QVERIFY(translator.load(QStringLiteral(":/i18n/longline_%1.qm").arg(language)));
            QApplication::installTranslator(&translator);
        }
        QTemporaryDir dir;
        SettingsStore store(dir.filePath(QStringLiteral("settings.ini")));
        {
            MainWindow w(&store);
            w.resize(1280, 800);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            // Every button the banner can offer, at once.
            w.banner()->showMessage(ConnectionBanner::Severity::Error, QStringLiteral("lost"),
                                    QStringLiteral("why"));
            w.banner()->setActions(true, true, true);
            int pages = 0;
            for (auto page : {SidePanel::Page::Members, SidePanel::Page::Connection,
                              SidePanel::Page::Settings}) {
                w.sidePanel()->showPage(page);
                QApplication::processEvents();
                Scope scope;
                for (const QAction *menu : w.menuBar()->actions())
                    scope.add(menu->text(), QStringLiteral("menu"));
                scope.addWidgets(&w);
                QVERIFY2(
                    scope.clashes().isEmpty(),
                    qPrintable(QStringLiteral("page %1:\n%2").arg(int(page)).arg(scope.clashes())));
                ++pages;
            }
            QCOMPARE(pages, 3);
            for (const QAction *menuAction : w.menuBar()->actions()) {
                Scope scope;
                for (const QAction *a : menuAction->menu()->actions())
                    scope.add(a->text(), QStringLiteral("item"));
                QVERIFY2(scope.clashes().isEmpty(),
                         qPrintable(menuAction->text() + QLatin1Char('\n') + scope.clashes()));
            }
            ConnectDialog dialog(ConnectionProfile{}, &w);
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            Scope scope;
            scope.addWidgets(&dialog);
            QVERIFY2(scope.clashes().isEmpty(), qPrintable(scope.clashes()));
        }
        QApplication::removeTranslator(&translator);
    }
};

QTEST_MAIN(TestMnemonics)
#include "tst_mnemonics.moc"
