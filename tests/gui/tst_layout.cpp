// The window's layout at the screen sizes people use, in English and
// Chinese, in normal and presentation mode: the window fits the screen,
// the conversation keeps a readable width whichever page of the side panel
// is open, and no visible text overlaps another or is cut off.

#include "connectionbanner.h"
#include "mainwindow.h"
#include "memberlistmodel.h"
#include "settingsstore.h"
#include "sidepanel.h"
#include "timelinemodel.h"
#include "timelinewidget.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QRadioButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <memory>

using namespace longline;
using namespace longline::app;

namespace {
// Room a desktop takes from the screen: title bar and a panel or taskbar.
constexpr int DesktopChromeHeight = 40;
// The conversation's share of the window, and its least width in pixels.
constexpr double MinChatShare = 0.45;
constexpr int MinChatWidth = 400;

struct Screen
{
    const char *name;
    QSize size;
    bool presentation;
};

const Screen Screens[] = {{"1024x600", {1024, 600}, false},
                          {"1280x720", {1280, 720}, false},
                          {"1280x720 presentation", {1280, 720}, true},
                          {"1920x1080", {1920, 1080}, false}};

// A heartbeat death's story on the timeline: pings with round trips every
// 2 s for 20 s, the last byte 2.1 s before the verdict.
void tellDeathStory(TimelineModel *timeline)
{
    const Millis now = monotonicNow();
    timeline->noteConnected(now - Millis(20000));
    for (Millis at = now - Millis(18000); at < now - Millis(2000); at += Millis(2000)) {
        timeline->notePingSent(at, QString::number(at.count()));
        timeline->noteRtt(at + Millis(2), Millis(2));
    }
    DeathVerdict verdict;
    verdict.cause = DeathCause::HeartbeatTimeout;
    verdict.detection = Millis(2120);
    verdict.budget = Millis(2000);
    timeline->noteDead(now - Millis(100), verdict, now - Millis(2220));
}

QString describe(const QWidget *w)
{
    QString text;
    if (const auto *l = qobject_cast<const QLabel *>(w))
        text = l->text();
    else if (const auto *b = qobject_cast<const QAbstractButton *>(w))
        text = b->text();
    else if (const auto *e = qobject_cast<const QLineEdit *>(w))
        text = e->text().isEmpty() ? e->placeholderText() : e->text();
    return QStringLiteral("%1 %2 \"%3\"")
        .arg(QString::fromLatin1(w->metaObject()->className()), w->objectName(), text.left(40));
}

// A widget that shows text, with the text the test can measure.
bool showsText(const QWidget *w)
{
    if (const auto *l = qobject_cast<const QLabel *>(w))
        return !l->text().isEmpty();
    if (const auto *b = qobject_cast<const QAbstractButton *>(w))
        return !b->text().isEmpty();
    return qobject_cast<const QLineEdit *>(w) != nullptr;
}

// Text wider (or, wrapped, taller) than the widget that shows it.
bool clipped(const QWidget *w)
{
    if (const auto *l = qobject_cast<const QLabel *>(w)) {
        if (l->wordWrap())
            return l->heightForWidth(l->width()) > l->height();
        return l->minimumSizeHint().width() > l->width() ||
               l->minimumSizeHint().height() > l->height();
    }
    if (qobject_cast<const QCheckBox *>(w) || qobject_cast<const QRadioButton *>(w) ||
        qobject_cast<const QAbstractButton *>(w))
        return w->sizeHint().width() > w->width() || w->sizeHint().height() > w->height();
    if (const auto *e = qobject_cast<const QLineEdit *>(w))
        return e->fontMetrics().height() > e->contentsRect().height();
    return false;
}

// Where the widget can be seen, in the window's coordinates (scroll areas
// and the splitter clip it).
QRect seenRect(const QWidget *w, const QWidget *window)
{
    const QRect r = w->visibleRegion().boundingRect();
    return r.isEmpty() ? QRect() : QRect(w->mapTo(window, r.topLeft()), r.size());
}
} // namespace

class TestLayout : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void layoutFitsEveryScreen_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<int>("screen");
        for (const char *language : {"en", "zh_CN"}) {
            for (int i = 0; i < int(std::size(Screens)); ++i)
                QTest::addRow("%s %s", Screens[i].name, language)
                    << QString::fromLatin1(language) << i;
        }
    }

    void layoutFitsEveryScreen()
    {
        QFETCH(QString, language);
        QFETCH(int, screen);
        const Screen &s = Screens[screen];
        QTranslator translator;
        if (language != QLatin1String("en")) {
            QVERIFY(translator.load(QStringLiteral(":/i18n/longline_%1.qm").arg(language)));
            QApplication::installTranslator(&translator);
        }
        QTemporaryDir dir;
        SettingsStore store(dir.filePath(QStringLiteral("settings.ini")));
        {
            MainWindow w(&store);
            w.setLargeFont(s.presentation);
            const QSize available = s.size - QSize(0, DesktopChromeHeight);
            w.resize(available);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            // The banner with a verdict and its buttons, as after a cut.
            w.banner()->showMessage(
                ConnectionBanner::Severity::Error,
                QStringLiteral("Connection to 127.0.0.1:4242 lost: heartbeat timeout"),
                QStringLiteral("Nothing arrived for longer than the heartbeat allows. Noticed "
                               "after 25.3 s, on time: the budget is 25.0 s.\nRetrying in 3 s "
                               "(attempt 2)…"));
            w.banner()->setActions(true, true);
            tellDeathStory(w.timeline());
            // A room too large to list at once: the members page's note
            // ("Showing 100 of 19,500 people.") and its "Show more" button.
            QStringList nicks;
            for (int i = 0; i < 100; ++i)
                nicks << QStringLiteral("guest%1").arg(i, 3, 10, QLatin1Char('0'));
            w.memberModel()->reset(nicks);
            w.memberModel()->setRoomSize(19500);
            for (auto page : {SidePanel::Page::Members, SidePanel::Page::Connection,
                              SidePanel::Page::Settings}) {
                w.sidePanel()->showPage(page);
                QApplication::processEvents();
                w.resize(available);
                QApplication::processEvents();
                checkLayout(&w, available, int(page));
                if (QTest::currentTestFailed())
                    break;
            }
            w.setLargeFont(false);
        }
        QApplication::removeTranslator(&translator);
    }

private:
    void checkLayout(MainWindow *w, QSize available, int page)
    {
        const QString where =
            QStringLiteral("page %1, window %2x%3").arg(page).arg(w->width()).arg(w->height());
        const QSize minimum = w->minimumSizeHint().expandedTo(w->minimumSize());
        QVERIFY2(minimum.width() <= available.width() && minimum.height() <= available.height(),
                 qPrintable(QStringLiteral("minimum size %1x%2 does not fit %3x%4")
                                .arg(minimum.width())
                                .arg(minimum.height())
                                .arg(available.width())
                                .arg(available.height())));
        QCOMPARE(w->size(), available);

        const int chat = w->chatColumn()->width();
        QVERIFY2(chat >= MinChatWidth && chat >= MinChatShare * w->width(),
                 qPrintable(QStringLiteral("chat column %1 px in %2").arg(chat).arg(where)));

        // A changed setting shows its promise at once: the budget card is
        // in view without scrolling.
        if (page == int(SidePanel::Page::Settings)) {
            const QWidget *card = w->findChild<QWidget *>(QStringLiteral("budgetCard"));
            QVERIFY(card);
            QVERIFY2(seenRect(card, w).height() == card->height(),
                     qPrintable(QStringLiteral("budget card %1 of %2 px in view in %3")
                                    .arg(seenRect(card, w).height())
                                    .arg(card->height())
                                    .arg(where)));
            // "Measure this path" near the end of the page scrolls up to the
            // top of the view, whole, nothing above it cut in half.
            auto *scroll = w->findChild<QScrollArea *>(QStringLiteral("settingsPanelScroll"));
            const QWidget *path = w->findChild<QWidget *>(QStringLiteral("pathMeasurement"));
            QVERIFY(scroll && path);
            QScrollBar *bar = scroll->verticalScrollBar();
            const int target = path->mapTo(scroll->widget(), QPoint(0, 0)).y();
            QTRY_VERIFY2(bar->maximum() >= target,
                         qPrintable(QStringLiteral("the page scrolls to %1, the box is at %2 in %3")
                                        .arg(bar->maximum())
                                        .arg(target)
                                        .arg(where)));
            bar->setValue(target);
            QCOMPARE(path->mapTo(scroll->viewport(), QPoint(0, 0)).y(), 0);
            bar->setValue(0);
        }
        // The timeline's labels never cover its markers, and the markers
        // grow with the text.
        if (page == int(SidePanel::Page::Connection)) {
            auto *timeline = w->findChild<TimelineWidget *>(QStringLiteral("timeline"));
            QVERIFY(timeline);
            timeline->grab(); // paints, and records where
            const auto &painted = timeline->painted();
            QVERIFY(!painted.markers.isEmpty());
            // Lane names, at least two ticks, "last byte", the cause, "max".
            QVERIFY2(painted.labels.size() >= 8,
                     qPrintable(QString::number(painted.labels.size())));
            for (const QRectF &label : painted.labels) {
                QVERIFY(timeline->rect().contains(label.toAlignedRect()));
                for (const QRectF &marker : painted.markers)
                    QVERIFY2(!label.intersects(marker),
                             qPrintable(
                                 QStringLiteral("timeline label over a marker in %1").arg(where)));
            }
            const double line = timeline->fontMetrics().height();
            for (const QRectF &marker : painted.markers)
                QVERIFY2(marker.width() >= line / 3 - 0.5,
                         qPrintable(QStringLiteral("marker %1 px wide for %2 px text in %3")
                                        .arg(marker.width())
                                        .arg(line)
                                        .arg(where)));
        }

        // Larger text reaches every label the class reads, scrolled into
        // view or not.
        for (QWidget *child : w->findChildren<QWidget *>()) {
            if (!child->isVisible() || !showsText(child))
                continue;
            QVERIFY2(child->font().pointSizeF() >= QApplication::font().pointSizeF() - 0.01,
                     qPrintable(QStringLiteral("small text: %1 at %2 pt, the window's is %3 pt")
                                    .arg(describe(child))
                                    .arg(child->font().pointSizeF())
                                    .arg(QApplication::font().pointSizeF())));
        }
        QList<QWidget *> texts;
        for (QWidget *child : w->findChildren<QWidget *>()) {
            if (child->isVisible() && showsText(child) && !seenRect(child, w).isEmpty())
                texts << child;
        }
        // The input line, the send button, the toolbar, the health line at least.
        QVERIFY2(texts.size() > 5, qPrintable(QString::number(texts.size())));
        for (QWidget *t : std::as_const(texts)) {
            // Scrolled out of view up or down is fine; cut at the side is not.
            const QRect seen = seenRect(t, w);
            QVERIFY2(seen.width() == t->width(),
                     qPrintable(QStringLiteral("cut at the side: %1 (%2 of %3 px seen) in %4")
                                    .arg(describe(t))
                                    .arg(seen.width())
                                    .arg(t->width())
                                    .arg(where)));
            QVERIFY2(!clipped(t),
                     qPrintable(QStringLiteral("clipped: %1 (%2x%3, wants %4x%5) in %6")
                                    .arg(describe(t))
                                    .arg(t->width())
                                    .arg(t->height())
                                    .arg(t->sizeHint().width())
                                    .arg(t->sizeHint().height())
                                    .arg(where)));
        }
        for (int i = 0; i < texts.size(); ++i) {
            for (int j = i + 1; j < texts.size(); ++j) {
                QWidget *a = texts[i];
                QWidget *b = texts[j];
                if (a->isAncestorOf(b) || b->isAncestorOf(a))
                    continue;
                const QRect ra = seenRect(a, w);
                const QRect rb = seenRect(b, w);
                QVERIFY2(!ra.intersects(rb),
                         qPrintable(QStringLiteral("overlap: %1 at %2,%3 %4x%5 and %6 at "
                                                   "%7,%8 %9x%10 in %11")
                                        .arg(describe(a))
                                        .arg(ra.x())
                                        .arg(ra.y())
                                        .arg(ra.width())
                                        .arg(ra.height())
                                        .arg(describe(b))
                                        .arg(rb.x())
                                        .arg(rb.y())
                                        .arg(rb.width())
                                        .arg(rb.height())
                                        .arg(where)));
            }
        }
    }
};

QTEST_MAIN(TestLayout)
#include "tst_layout.moc"
