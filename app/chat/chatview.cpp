#include "chatview.h"

#include "chatlogmodel.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QDesktopServices>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTextLayout>
#include <QTimer>
#include <QUrl>
#include <QWheelEvent>

namespace longline::app {

namespace {

constexpr int PadX = 10;      // left and right margin of a row
constexpr int PadY = 3;       // above and below a row
constexpr int ColumnGap = 10; // between time, nick, text and mark
// Within this many pixels of the end counts as at the bottom.
constexpr int FollowSlack = 4;
// Between the unread marker and the bottom of the view.
constexpr int MarkerMargin = 8;
// Row heights remembered, a little more than the conversation keeps rows.
constexpr qsizetype HeightCacheMax = 2 * ChatLogModel::MaxEntries;

// Lays `text` out in `width`, wrapping at words or, for long unbroken runs
// (URLs, CJK without spaces), anywhere. Returns the height.
qreal layoutText(QTextLayout &layout, qreal width)
{
    QTextOption option;
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(option);
    layout.beginLayout();
    qreal y = 0;
    for (;;) {
        QTextLine line = layout.createLine();
        if (!line.isValid())
            break;
        line.setLineWidth(width);
        line.setPosition(QPointF(0, y));
        y += line.height();
    }
    layout.endLayout();
    return y;
}

QColor noticeColor(ChatEntry::Level level, const QPalette &palette)
{
    switch (level) {
    case ChatEntry::Level::Join:
        return QColor(0x2e, 0x7d, 0x32);
    case ChatEntry::Level::Leave:
        return QColor(0x8d, 0x6e, 0x63);
    case ChatEntry::Level::Good:
        return QColor(0x1b, 0x5e, 0x20);
    case ChatEntry::Level::Warning:
        return QColor(0xb2, 0x6a, 0x00);
    case ChatEntry::Level::Error:
        return QColor(0xc6, 0x28, 0x28);
    case ChatEntry::Level::Info:
        break;
    }
    return palette.color(QPalette::PlaceholderText);
}

} // namespace

ChatItemDelegate::ChatItemDelegate(QListView *view) : QStyledItemDelegate(view), m_view(view) {}

QColor ChatItemDelegate::nickColor(const QString &nick, const QPalette &palette)
{
    // Dark, distinct hues readable on a light background (and a projector).
    static const QColor colors[] = {
        QColor(0x1f, 0x5f, 0xbf), QColor(0xa0, 0x30, 0x90), QColor(0x00, 0x7a, 0x6c),
        QColor(0xb3, 0x40, 0x00), QColor(0x55, 0x4d, 0xc8), QColor(0x8a, 0x6a, 0x00),
        QColor(0x00, 0x6e, 0xa8), QColor(0xb0, 0x20, 0x40),
    };
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    const QColor c = colors[qHash(nick.toLower()) % std::size(colors)];
    return dark ? c.lighter(170) : c;
}

ChatItemDelegate::Columns ChatItemDelegate::columns(const QFontMetrics &fm) const
{
    Columns c;
    c.time = fm.horizontalAdvance(QStringLiteral("00:00"));
    // Room for about ten characters, but never more than a fifth of a
    // narrow view: the text matters more than the nick.
    c.nick = std::min(fm.horizontalAdvance(QLatin1Char('m')) * 10, availableWidth() / 5);
    c.status =
        std::max({fm.horizontalAdvance(tr("unsent")), fm.horizontalAdvance(QStringLiteral("✓")),
                  fm.horizontalAdvance(tr("history"))});
    return c;
}

int ChatItemDelegate::availableWidth() const
{
    return std::max(200, m_view->viewport()->width());
}

const ChatEntry *ChatItemDelegate::entryFor(const QModelIndex &index) const
{
    const auto *model = qobject_cast<const ChatLogModel *>(index.model());
    if (!model || index.row() >= model->rowCount())
        return nullptr;
    return &model->entry(index.row());
}

QSize ChatItemDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const ChatEntry *e = entryFor(index);
    if (!e)
        return QStyledItemDelegate::sizeHint(option, index);
    const QFont font = m_view->font();
    const QFontMetrics fm(font);
    const int width = availableWidth();
    if (width != m_heightsWidth || font.key() != m_heightsFont ||
        m_heights.size() > HeightCacheMax) {
        m_heights.clear();
        m_heightsWidth = width;
        m_heightsFont = font.key();
    }
    const QString key = QLatin1Char(e->kind == ChatEntry::Kind::Notice ? 'n' : 'm') + e->text;
    if (const auto it = m_heights.constFind(key); it != m_heights.constEnd())
        return {width, *it};
    qreal textHeight = 0;
    if (e->kind == ChatEntry::Kind::Notice) {
        QFont italic = font;
        italic.setItalic(true);
        QTextLayout layout(e->text, italic);
        textHeight = layoutText(layout, width - 2 * PadX);
    } else {
        const Columns c = columns(fm);
        const int textWidth = width - 2 * PadX - c.time - c.nick - c.status - 3 * ColumnGap;
        QTextLayout layout(e->text, font);
        textHeight = layoutText(layout, std::max(40, textWidth));
    }
    const int h = std::max(fm.height(), int(std::ceil(textHeight))) + 2 * PadY;
    m_heights.insert(key, h);
    return {width, h};
}

void ChatItemDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const
{
    const ChatEntry *e = entryFor(index);
    if (!e)
        return;
    painter->save();
    const QPalette &pal = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    if (selected)
        painter->fillRect(option.rect, pal.color(QPalette::Highlight).lighter(175));
    else if (e->delivery == ChatEntry::Delivery::Unsent)
        painter->fillRect(option.rect, QColor(0xff, 0xf4, 0xe0));

    const QFont font = m_view->font();
    const QFontMetrics fm(font);
    const QRect r = option.rect.adjusted(PadX, PadY, -PadX, -PadY);
    const QColor textColor = pal.color(QPalette::Text);
    const QColor dim = pal.color(QPalette::PlaceholderText);

    if (e->kind == ChatEntry::Kind::Notice) {
        QFont italic = font;
        italic.setItalic(true);
        QTextLayout layout(e->text, italic);
        layoutText(layout, r.width());
        // Centre single-line notices; wrapped ones start at the left.
        qreal x = r.left();
        if (layout.lineCount() == 1)
            x += (r.width() - layout.lineAt(0).naturalTextWidth()) / 2.0;
        painter->setPen(noticeColor(e->level, pal));
        layout.draw(painter, QPointF(x, r.top()));
        painter->restore();
        return;
    }

    const Columns c = columns(fm);
    int x = r.left();
    // Time
    painter->setFont(font);
    painter->setPen(dim);
    const QString time = e->time.toLocalTime().toString(QStringLiteral("HH:mm"));
    painter->drawText(QRect(x, r.top(), c.time, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                      time);
    x += c.time + ColumnGap;
    // Nick, right-aligned against the text column like an IRC client
    QFont nickFont = font;
    nickFont.setBold(true);
    painter->setFont(nickFont);
    painter->setPen(nickColor(e->nick, pal));
    const QFontMetrics nfm(nickFont);
    painter->drawText(QRect(x, r.top(), c.nick, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                      nfm.elidedText(e->nick, Qt::ElideRight, c.nick));
    x += c.nick + ColumnGap;
    // Text, web addresses underlined in the link colour
    const QRect text = textRect(option.rect, fm);
    QTextLayout layout(e->text, font);
    QList<QTextLayout::FormatRange> links;
    for (const auto &[start, length] : linkSpans(e->text)) {
        QTextCharFormat f;
        f.setForeground(pal.color(QPalette::Link));
        f.setFontUnderline(true);
        links.append({start, length, f});
    }
    layout.setFormats(links);
    layoutText(layout, text.width());
    painter->setFont(font);
    painter->setPen(e->fromHistory ? textColor.lighter(140) : textColor);
    if (e->delivery == ChatEntry::Delivery::Unsent)
        painter->setPen(dim);
    layout.draw(painter, text.topLeft());
    // Delivery mark
    const QRect mark(r.right() - c.status, r.top(), c.status, fm.height());
    if (e->delivery == ChatEntry::Delivery::Unsent) {
        QFont f = font;
        f.setItalic(true);
        painter->setFont(f);
        painter->setPen(QColor(0xb2, 0x6a, 0x00));
        painter->drawText(mark, Qt::AlignRight | Qt::AlignVCenter, tr("unsent"));
    } else if (e->delivery == ChatEntry::Delivery::Sent) {
        painter->setPen(QColor(0x2e, 0x7d, 0x32));
        painter->drawText(mark, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("✓"));
    } else if (e->fromHistory) {
        QFont f = font;
        f.setPointSizeF(font.pointSizeF() * 0.85);
        painter->setFont(f);
        painter->setPen(dim);
        painter->drawText(mark, Qt::AlignRight | Qt::AlignVCenter, tr("history"));
    }
    painter->restore();
}

QWidget *ChatItemDelegate::createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                                        const QModelIndex &index) const
{
    const ChatEntry *e = entryFor(index);
    if (!e || e->kind != ChatEntry::Kind::Message)
        return nullptr;
    auto *editor = new QPlainTextEdit(parent);
    editor->setObjectName(QStringLiteral("messageText"));
    editor->setReadOnly(true);
    editor->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    editor->setFrameShape(QFrame::NoFrame);
    editor->setFont(option.font);
    editor->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    editor->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    editor->setContentsMargins(0, 0, 0, 0);
    editor->document()->setDocumentMargin(0);
    editor->setAccessibleName(tr("Message text"));
    return editor;
}

void ChatItemDelegate::setEditorData(QWidget *editor, const QModelIndex &index) const
{
    if (auto *text = qobject_cast<QPlainTextEdit *>(editor)) {
        if (const ChatEntry *e = entryFor(index))
            text->setPlainText(e->text);
        text->selectAll(); // double-click selects; a drag or the keys narrow it
    }
}

void ChatItemDelegate::updateEditorGeometry(QWidget *editor, const QStyleOptionViewItem &option,
                                            const QModelIndex &) const
{
    editor->setGeometry(textRect(option.rect, QFontMetrics(option.font)));
}

QRect ChatItemDelegate::textRect(const QRect &rowRect, const QFontMetrics &fm) const
{
    const QRect r = rowRect.adjusted(PadX, PadY, -PadX, -PadY);
    const Columns c = columns(fm);
    const int x = r.left() + c.time + ColumnGap + c.nick + ColumnGap;
    return {x, r.top(), std::max(40, r.right() - x - c.status - ColumnGap), r.height()};
}

QList<std::pair<int, int>> ChatItemDelegate::linkSpans(const QString &text)
{
    static const QRegularExpression url(QStringLiteral("https?://[^\\s<>\"]+"),
                                        QRegularExpression::CaseInsensitiveOption);
    QList<std::pair<int, int>> spans;
    for (auto it = url.globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        QString link = m.captured();
        // A sentence's full stop or closing bracket is not part of the link.
        while (!link.isEmpty() && QStringLiteral(".,;:!?)]}'").contains(link.back()))
            link.chop(1);
        spans.append({int(m.capturedStart()), int(link.size())});
    }
    return spans;
}

QString ChatItemDelegate::linkAt(const QModelIndex &index, const QRect &rowRect,
                                 const QPoint &pos) const
{
    const ChatEntry *e = entryFor(index);
    if (!e || e->kind != ChatEntry::Kind::Message)
        return {};
    const auto spans = linkSpans(e->text);
    if (spans.isEmpty())
        return {};
    const QFont font = m_view->font();
    const QRect text = textRect(rowRect, QFontMetrics(font));
    QTextLayout layout(e->text, font);
    layoutText(layout, text.width());
    const QPointF p = pos - text.topLeft();
    for (int i = 0; i < layout.lineCount(); ++i) {
        const QTextLine line = layout.lineAt(i);
        if (p.y() < line.y() || p.y() >= line.y() + line.height() || p.x() < 0 ||
            p.x() > line.naturalTextWidth())
            continue;
        const int at = line.xToCursor(p.x(), QTextLine::CursorOnCharacter);
        for (const auto &[start, length] : spans) {
            if (at >= start && at < start + length)
                return e->text.mid(start, length);
        }
    }
    return {};
}

ChatView::ChatView(QWidget *parent) : QListView(parent)
{
    m_delegate = new ChatItemDelegate(this);
    setItemDelegate(m_delegate);
    setMouseTracking(true); // the hand over links
    m_openLink = [](const QUrl &url) { QDesktopServices::openUrl(url); };
    setUniformItemSizes(false);
    setResizeMode(QListView::Adjust);
    setWordWrap(true);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // Always there, so the text width never changes when the conversation
    // outgrows the view: rows laid out for one width never overprint.
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    // The editor only shows a message's text for selecting part of it.
    setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    setFocusPolicy(Qt::StrongFocus);
    setAccessibleName(tr("Conversation"));

    m_marker = new QPushButton(viewport());
    m_marker->setObjectName(QStringLiteral("unreadMarker"));
    m_marker->setCursor(Qt::PointingHandCursor);
    m_marker->setFocusPolicy(Qt::NoFocus); // the keyboard stays in the input line
    m_marker->hide();
    connect(m_marker, &QPushButton::clicked, this, &ChatView::jumpToBottom);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, &ChatView::onScrolled);
    connect(verticalScrollBar(), &QScrollBar::rangeChanged, this, &ChatView::onRangeChanged);
}

void ChatView::setChatModel(ChatLogModel *model)
{
    m_model = model;
    setModel(model);
    connect(model, &QAbstractItemModel::rowsAboutToBeInserted, this,
            &ChatView::onRowsAboutToBeInserted);
    connect(model, &QAbstractItemModel::rowsInserted, this, &ChatView::onRowsInserted);
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        setUnreadBelow(0);
        m_follow = true;
    });
}

void ChatView::onRowsAboutToBeInserted(const QModelIndex &, int, int)
{
    // Older messages arriving above what the user reads.
    if (m_model->insertingOlder())
        m_keepFromBottom = verticalScrollBar()->maximum() - verticalScrollBar()->value();
}

void ChatView::onRowsInserted(const QModelIndex &, int first, int last)
{
    if (m_keepFromBottom >= 0) {
        // Older rows above: nothing new below. Should they not change the
        // scroll range (they all fit), nothing is left to keep.
        QTimer::singleShot(KeepPlaceFor, this, [this] { m_keepFromBottom = -1; });
        return;
    }
    if (m_follow) {
        scheduleScrollToBottom();
        return;
    }
    // Reading further up: count what arrived (messages, not notices).
    int messages = 0;
    for (int row = first; row <= last; ++row) {
        if (m_model->entry(row).kind == ChatEntry::Kind::Message)
            ++messages;
    }
    if (messages > 0)
        setUnreadBelow(m_unreadBelow + messages);
}

void ChatView::onScrolled(int value)
{
    if (m_scrolling)
        return;
    // The user moved: follow again once back at the bottom.
    m_follow = value >= verticalScrollBar()->maximum() - FollowSlack;
    if (m_follow)
        setUnreadBelow(0);
    if (value <= verticalScrollBar()->minimum() && verticalScrollBar()->maximum() > 0)
        Q_EMIT olderWanted();
}

void ChatView::wheelEvent(QWheelEvent *event)
{
    // Up at the top (or with too few rows to scroll at all): older ones.
    const bool atTop = verticalScrollBar()->value() <= verticalScrollBar()->minimum();
    QListView::wheelEvent(event);
    if (atTop && event->angleDelta().y() > 0)
        Q_EMIT olderWanted();
}

void ChatView::onRangeChanged()
{
    if (m_keepFromBottom >= 0) {
        m_scrolling = true;
        verticalScrollBar()->setValue(verticalScrollBar()->maximum() - m_keepFromBottom);
        m_scrolling = false;
        m_keepFromBottom = -1;
        return;
    }
    // Rows, a banner or a larger font changed the range: a view that
    // followed keeps showing the newest row.
    if (m_follow)
        scheduleScrollToBottom();
}

void ChatView::scheduleScrollToBottom()
{
    // One scroll for a burst of rows (a flood of joins is thousands), after
    // the view has laid them out.
    if (m_scrollPending)
        return;
    m_scrollPending = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_scrollPending = false;
            if (!m_follow)
                return;
            m_scrolling = true;
            scrollToBottom();
            m_scrolling = false;
        },
        Qt::QueuedConnection);
}

void ChatView::jumpToBottom()
{
    m_follow = true;
    setUnreadBelow(0);
    m_scrolling = true;
    scrollToBottom();
    m_scrolling = false;
}

void ChatView::setUnreadBelow(int count)
{
    if (count == m_unreadBelow)
        return;
    m_unreadBelow = count;
    m_marker->setText(tr("%n new message(s) below ↓", nullptr, count));
    m_marker->setVisible(count > 0);
    placeMarker();
    Q_EMIT unreadBelowChanged(count);
}

void ChatView::placeMarker()
{
    if (!m_marker->isVisible())
        return;
    m_marker->adjustSize();
    const QRect area = viewport()->rect();
    m_marker->move(area.center().x() - m_marker->width() / 2,
                   area.bottom() - m_marker->height() - MarkerMargin);
    m_marker->raise();
}

void ChatView::mouseMoveEvent(QMouseEvent *event)
{
    const QPoint pos = event->position().toPoint();
    const QModelIndex index = indexAt(pos);
    const bool overLink =
        index.isValid() && !m_delegate->linkAt(index, visualRect(index), pos).isEmpty();
    viewport()->setCursor(overLink ? Qt::PointingHandCursor : Qt::ArrowCursor);
    QListView::mouseMoveEvent(event);
}

void ChatView::mouseReleaseEvent(QMouseEvent *event)
{
    const QPoint pos = event->position().toPoint();
    const QModelIndex index = indexAt(pos);
    if (event->button() == Qt::LeftButton && index.isValid()) {
        const QString link = m_delegate->linkAt(index, visualRect(index), pos);
        if (!link.isEmpty())
            m_openLink(QUrl(link, QUrl::TolerantMode));
    }
    QListView::mouseReleaseEvent(event);
}

void ChatView::resizeEvent(QResizeEvent *event)
{
    QListView::resizeEvent(event);
    placeMarker();
}

QString ChatView::selectedText() const
{
    QModelIndexList rows = selectionModel() ? selectionModel()->selectedRows() : QModelIndexList{};
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList lines;
    for (const QModelIndex &i : rows)
        lines << i.data(Qt::DisplayRole).toString();
    return lines.join(QLatin1Char('\n'));
}

void ChatView::copySelection()
{
    const QString text = selectedText();
    if (!text.isEmpty())
        QApplication::clipboard()->setText(text);
}

void ChatView::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    QAction *copy = menu.addAction(tr("&Copy"), this, &ChatView::copySelection);
    copy->setEnabled(selectionModel() && selectionModel()->hasSelection());
    menu.addAction(tr("Select &All"), this, &QListView::selectAll);
    menu.exec(event->globalPos());
}

void ChatView::keyPressEvent(QKeyEvent *event)
{
    if (event->matches(QKeySequence::Copy)) {
        copySelection();
        return;
    }
    QListView::keyPressEvent(event);
}

void ChatView::changeEvent(QEvent *event)
{
    // A new font (View > Larger text) changes every row's height.
    if (event->type() == QEvent::FontChange) {
        scheduleDelayedItemsLayout();
        placeMarker();
    }
    QListView::changeEvent(event);
}

} // namespace longline::app
