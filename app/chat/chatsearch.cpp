#include "chatsearch.h"

#include "chatlogmodel.h"
#include "chatview.h"
#include "labelstyle.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace longline::app {

ChatSearch::ChatSearch(ChatView *view, QWidget *parent) : QWidget(parent), m_view(view)
{
    setObjectName(QStringLiteral("chatSearch"));
    m_field = new QLineEdit(this);
    m_field->setObjectName(QStringLiteral("searchField"));
    m_field->setPlaceholderText(tr("Find in the conversation"));
    m_field->setClearButtonEnabled(true);
    m_field->installEventFilter(this);
    m_status = new QLabel(this);
    setTone(m_status, Tone::Muted);
    auto *older = new QToolButton(this);
    older->setText(QStringLiteral("↑"));
    older->setToolTip(tr("Older match (Enter)"));
    auto *newer = new QToolButton(this);
    newer->setText(QStringLiteral("↓"));
    newer->setToolTip(tr("Newer match (Shift+Enter)"));
    auto *close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Close (Esc)"));
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_field, 1);
    row->addWidget(m_status);
    row->addWidget(older);
    row->addWidget(newer);
    row->addWidget(close);
    connect(older, &QToolButton::clicked, this, &ChatSearch::findOlder);
    connect(newer, &QToolButton::clicked, this, &ChatSearch::findNewer);
    connect(close, &QToolButton::clicked, this, [this] {
        hide();
        Q_EMIT closed();
    });
    connect(m_field, &QLineEdit::textChanged, m_status, &QLabel::clear);
    hide();
}

void ChatSearch::open()
{
    show();
    m_field->setFocus();
    m_field->selectAll();
}

int ChatSearch::findOlder()
{
    return find(-1);
}

int ChatSearch::findNewer()
{
    return find(+1);
}

QString ChatSearch::status() const
{
    return m_status->text();
}

int ChatSearch::find(int direction)
{
    const auto *model = qobject_cast<const ChatLogModel *>(m_view->model());
    const QString needle = m_field->text();
    if (!model || needle.isEmpty() || model->rowCount() == 0)
        return -1;
    const int rows = model->rowCount();
    const QModelIndex current = m_view->currentIndex();
    // From the current match on; the first search starts at the newest.
    int row = current.isValid() ? current.row() : (direction < 0 ? rows : -1);
    for (int step = 0; step < rows; ++step) {
        row = (row + direction + rows) % rows;
        const ChatEntry &e = model->entry(row);
        if (e.text.contains(needle, Qt::CaseInsensitive) ||
            e.nick.contains(needle, Qt::CaseInsensitive)) {
            const QModelIndex index = model->index(row);
            m_view->setCurrentIndex(index);
            m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
            m_status->setText(QString());
            return row;
        }
    }
    m_status->setText(tr("not found"));
    return -1;
}

bool ChatSearch::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_field && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            key->modifiers() & Qt::ShiftModifier ? findNewer() : findOlder();
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            hide();
            Q_EMIT closed();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace longline::app
