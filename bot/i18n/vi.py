"""Vietnamese texts (the default). Keep the tone polite and plain: "bạn", short sentences."""

STRINGS: dict[str, str] = {
    # -- the officials' chats: moved by Telegram, out of reach (told to admins privately) --
    "officials_chat.migrated": (
        "ℹ️ Telegram đã nâng cấp nhóm cán bộ <code>{old}</code> thành siêu nhóm, mã nhóm mới là "
        "<code>{new}</code>. Bot đã chuyển sang gửi vào nhóm mới và gửi lại {cards} thẻ đang chờ trả lời.\n"
        "Vui lòng sửa tệp cấu hình: <code>chat_id = {new}</code> (mục [officials] hoặc chủ đề tương ứng)."
    ),
    "officials_chat.held": (
        "⚠️ Bot không gửi được vào nhóm cán bộ <code>{chat}</code>: {why}. Đang chờ {count} thẻ.\n"
        "Không thẻ nào bị mất: khi bot gửi được trở lại, các thẻ sẽ được gửi tiếp. "
        "Vui lòng thêm lại bot vào nhóm và cấp quyền quản trị (gửi tin nhắn)."
    ),
    "officials_chat.recovered": (
        "✅ Bot đã gửi được vào nhóm cán bộ <code>{chat}</code> trở lại. Đang gửi tiếp {count} tin nhắn chờ."
    ),
    "officials.other_group": (
        "Câu hỏi #{id} do nhóm cán bộ khác phụ trách nên không xử lý được ở nhóm này. "
        "Vui lòng làm việc ở nhóm của chủ đề đó hoặc nhóm cán bộ chính."
    ),
    "officials_chat.reason.kicked": "bot đã bị xóa (chặn) khỏi nhóm",
    "officials_chat.reason.not_member": "bot không còn là thành viên của nhóm",
    "officials_chat.reason.no_rights": "bot không có quyền gửi tin nhắn trong nhóm",
    "officials_chat.reason.not_found": "không tìm thấy nhóm (nhóm đã bị xóa, hoặc mã nhóm trong cấu hình sai)",
    "officials_chat.reason.other": "Telegram từ chối tin nhắn",
    "officials_chat.check.not_admin": (
        "ℹ️ Bot chưa là quản trị viên của nhóm cán bộ <code>{chat}</code>. Bot vẫn nhận được câu trả lời "
        "bằng cách trả lời thẳng vào thẻ, nhưng nên cấp quyền quản trị để bot thấy đủ tin nhắn trong nhóm."
    ),
    "officials_chat.topic_gone": "🗂 <i>Thẻ thuộc chủ đề «{topic}», nhưng chủ đề này đã bị xóa trong nhóm.</i>",
    "officials_chat.topic_gone_unknown": "🗂 <i>Chủ đề của thẻ này đã bị xóa trong nhóm.</i>",
    # -- commands (setMyCommands) --
    "cmd.ask": "Đặt câu hỏi",
    "cmd.my": "Câu hỏi của tôi",
    "cmd.help": "Hướng dẫn sử dụng",
    "cmd.cancel": "Hủy thao tác đang làm",
    # -- start, menu, help --
    "start.greeting": (
        "Xin chào {name}! 👋\n"
        "Đây là <b>Đối thoại</b> — kênh để đoàn viên công đoàn, công nhân, viên chức, "
        "người lao động gửi câu hỏi tới Công đoàn và các sở, ngành của tỉnh.\n\n"
        "• Câu hỏi đã từng được giải đáp: bot trả lời ngay.\n"
        "• Câu hỏi mới: bot chuyển tới cán bộ phụ trách và gửi lại câu trả lời cho bạn.\n"
        "• Bạn có thể hỏi <b>ẩn danh</b>.\n\n"
        "Bạn muốn làm gì?"
    ),
    "menu.ask": "✍️ Đặt câu hỏi",
    "menu.my": "📋 Câu hỏi của tôi",
    "menu.help": "❓ Hướng dẫn",
    "help.text": (
        "<b>Cách dùng Đối thoại</b>\n"
        "/ask — đặt câu hỏi: gõ câu hỏi; nếu kho giải đáp đã có câu trả lời, bot gửi ngay; "
        "nếu không, bạn chọn chủ đề rồi gửi kèm tên hay ẩn danh.\n"
        "/my — xem các câu hỏi bạn đã gửi và câu trả lời.\n"
        "/events — các hội nghị đối thoại sắp tới: đăng ký nhắc lịch, gửi câu hỏi cho hội nghị.\n"
        "/cancel — hủy câu hỏi đang soạn.\n"
        "/stop_news — không nhận thông báo chung; /start_news — nhận lại.\n"
        "/mydata — xem dữ liệu bot lưu về bạn; /forget — xóa dữ liệu cá nhân.\n\n"
        "Khi cán bộ trả lời, bot sẽ nhắn cho bạn kèm mã câu hỏi (ví dụ #12). "
        "Nếu gửi ẩn danh, cán bộ không thấy tên hay tài khoản của bạn."
    ),
    # -- asking --
    "ask.choose_topic": "Bạn muốn hỏi về lĩnh vực nào? Bạn chọn một chủ đề bên dưới nhé:",
    "ask.too_short": (
        "Câu hỏi hơi ngắn nên cán bộ khó hiểu đúng ý bạn. "
        "Bạn vui lòng viết rõ hơn, ít nhất {minimum} ký tự (chữ hoặc số)."
    ),
    "ask.too_long": (
        "Câu hỏi dài {length} ký tự, vượt quá giới hạn {maximum} ký tự. "
        "Bạn vui lòng rút gọn, hoặc tách thành vài câu hỏi nhỏ."
    ),
    "ask.not_text": (
        "Xin lỗi, hiện bot chỉ nhận câu hỏi bằng chữ. Bạn vui lòng gõ câu hỏi "
        "thay vì gửi nhãn dán, tin nhắn thoại, hình ảnh hay tệp."
    ),
    "ask.kb_found": "📚 Câu hỏi tương tự đã được giải đáp:",
    "ask.kb_entry": "<b>Hỏi:</b> {question}\n<b>Đáp:</b> {answer}",
    "ask.kb_prompt": "Thông tin trên đã giải đáp thắc mắc của bạn chưa?",
    "ask.kb_yes": "✅ Đã rõ, cảm ơn",
    "ask.kb_no": "📨 Vẫn gửi câu hỏi cho cán bộ",
    "ask.kb_thanks": "Rất vui vì đã giúp được bạn! Khi cần, bạn cứ gõ /ask để hỏi tiếp.",
    "ask.named": "📨 Gửi kèm tên",
    "ask.anonymous": "🕶 Gửi ẩn danh",
    "ask.cancel": "✖️ Hủy",
    "ask.sent": (
        "✅ Đã gửi câu hỏi. Mã câu hỏi của bạn là <b>#{id}</b>.\n"
        "Khi cán bộ trả lời, bot sẽ gửi ngay cho bạn. Bạn có thể xem lại bằng /my."
    ),
    "ask.cancelled": "Đã hủy câu hỏi đang soạn. Bạn có thể hỏi lại bất cứ lúc nào bằng /ask.",
    "ask.nothing_to_cancel": "Hiện bạn không có thao tác nào cần hủy. Gõ /ask để đặt câu hỏi.",
    "ask.stale_button": "Nút này đã cũ. Bạn vui lòng dùng tin nhắn mới nhất hoặc gõ /ask.",
    "ask.use_buttons": "Bạn vui lòng bấm chọn ở các nút phía trên, hoặc gõ /cancel để hủy.",
    "ask.unknown_topic": "Chủ đề này không còn nữa. Bạn vui lòng chọn lại.",
    # -- my questions --
    "my.empty": "Bạn chưa gửi câu hỏi nào. Gõ /ask để đặt câu hỏi đầu tiên.",
    "my.header": "<b>Câu hỏi của bạn</b> (mới nhất trước):",
    "my.item": "<b>#{id}</b> · {topic} · {status}\n<blockquote>{question}</blockquote>",
    "my.item_answer": "<b>Trả lời:</b> {answer}",
    "status.open": "⏳ đang chờ trả lời",
    "status.answered": "✅ đã trả lời",
    # -- answers reaching the worker --
    "answer.delivered": (
        "📬 Câu hỏi <b>#{id}</b> của bạn đã có câu trả lời.\n\n"
        "<b>Bạn hỏi:</b>\n<blockquote>{question}</blockquote>\n"
        "<b>Trả lời:</b>\n{answer}"
    ),
    "answer.continued": "📬 <b>#{id}</b> (tiếp theo)\n{answer}",
    "answer.rate_up": "👍 Hữu ích",
    "answer.rate_down": "👎 Chưa thỏa đáng",
    "rate.thanks": "Cảm ơn bạn đã đánh giá!",
    "rate.invalid": "Bạn chỉ đánh giá được câu trả lời gửi cho bạn, cho câu hỏi của bạn hoặc câu hỏi bạn cùng hỏi.",
    # -- general --
    "error.generic": (
        "Xin lỗi, bot vừa gặp sự cố. Những gì bạn đã gửi vẫn được lưu an toàn. "
        "Bạn vui lòng thử lại sau ít phút."
    ),
    "unknown.command": "Bot chưa hiểu lệnh này. Gõ /help để xem hướng dẫn.",
    # -- officials' group --
    "officials.answer_sent": "✅ Đã ghi nhận trả lời cho #{id}; bot đang gửi tới người hỏi.",
    "officials.answer_usage": "Cú pháp: /answer &lt;mã câu hỏi&gt; &lt;nội dung trả lời&gt;, ví dụ: /answer 12 Nội dung…",
    "officials.no_such_question": "Không tìm thấy câu hỏi #{id}.",
    "officials.answer_empty": "Nội dung trả lời đang trống. Bạn vui lòng gõ nội dung trả lời.",
    "officials.answer_not_text": "Trả lời cần là văn bản. Bạn vui lòng gõ nội dung trả lời.",
    "officials.not_allowed": "Chỉ cán bộ trong nhóm cán bộ mới được trả lời câu hỏi.",

    # -- cards in the officials' group --
    "card.header": "{icon} <b>#{id}</b> · {topic} · <i>{status}</i>",
    "card.asker": "<b>Người hỏi:</b> {asker}",
    "card.anonymous": "Ẩn danh",
    "card.followers": "👥 {count} người cùng hỏi",
    "card.due": "<b>Hạn trả lời:</b> {when}",
    "card.overdue": "⚠️ <b>Quá hạn</b> (hạn: {when})",
    "card.department": "<b>Phân công:</b> {department} (bởi {by})",
    "card.forwarded": "<b>Đã chuyển tới:</b> {to}",
    "card.duplicate": "<b>Trùng với:</b> #{of}",
    "card.rejected": "<b>Lý do từ chối:</b> {reason}",
    "card.question": "<blockquote>{question}</blockquote>",
    "card.followup": "<b>Hỏi thêm</b> (lần {count}):\n<blockquote>{text}</blockquote>",
    "card.answer": "<b>Trả lời</b> của {official} lúc {when}:\n{answer}",
    "card.published": "📚 Đã đăng vào kho giải đáp.",
    "card.how_to_answer": (
        "<i>Cách trả lời: bấm Trả lời vào tin này, hoặc gõ /answer {id} ‹nội dung›. "
        "Kho giải đáp đã có câu trả lời? /kb {id}</i>"
    ),
    "card.btn_assign": "🏢 Phân công",
    "card.btn_forward": "↪️ Chuyển cơ quan",
    "card.btn_duplicate": "🔁 Trùng lặp",
    "card.btn_reject": "⛔ Từ chối",
    "card.btn_publish": "📚 Đăng vào kho",
    "card.btn_reopen": "🔄 Mở lại",
    "card.btn_back": "◀️ Quay lại",
    "case.status.open": "chờ trả lời",
    "case.status.answered": "đã trả lời",
    "case.status.forwarded": "đã chuyển cơ quan khác",
    "case.status.duplicate": "trùng lặp",
    "case.status.rejected": "từ chối",
    "reject.out_of_scope": "Ngoài phạm vi giải đáp",
    "reject.personal_documents": "Cần hồ sơ cá nhân",
    "reject.unclear": "Nội dung chưa rõ",
    "reject_text.out_of_scope": "Nội dung này nằm ngoài phạm vi giải đáp của chương trình đối thoại.",
    "reject_text.personal_documents": (
        "Để giải quyết cần xem hồ sơ, giấy tờ cá nhân của bạn; bạn vui lòng liên hệ trực tiếp "
        "cơ quan phụ trách hoặc Công đoàn cơ sở để được hướng dẫn."
    ),
    "reject_text.unclear": "Nội dung câu hỏi chưa rõ; bạn vui lòng gửi lại câu hỏi cụ thể hơn.",
    "publish.preview": (
        "📚 <b>Xem trước mục kho giải đáp từ #{id}</b>\n<b>Hỏi:</b> {question}\n<b>Đáp:</b> {answer}\n"
        "<i>Muốn sửa trước khi đăng: /publish {id} câu hỏi | câu trả lời</i>"
    ),
    "publish.confirm": "✅ Đăng vào kho",
    "publish.done": "📚 Đã đăng #{id} vào kho giải đáp (mục {entry}). Ai hỏi tương tự sẽ được trả lời ngay.",
    "publish.done_variants": (
        "📚 Đã đăng #{id} vào kho giải đáp (mục {entry}), kèm {count} cách hỏi khác của người lao động "
        "(câu gốc, câu trùng lặp đã gộp). Ai hỏi tương tự sẽ được trả lời ngay."
    ),
    "publish.not_answered": "Chỉ đăng được câu hỏi đã có trả lời.",
    "kb.nothing_near": "Kho giải đáp chưa có mục nào gần với #{id}.",
    "kb.near": "📚 Các mục trong kho gần với #{id}:\n{lines}\n<i>Nếu một mục trả lời được: /kb {id} mã mục</i>",
    "kb.near_line": "• <code>{entry}</code> — {question}",
    "kb.usage": (
        "Cú pháp: /kb &lt;mã câu hỏi&gt; &lt;mã mục trong kho&gt;, ví dụ /kb 12 kb-041: "
        "trả lời bằng một mục đã có trong kho giải đáp"
    ),
    "kb.no_such_entry": "Kho giải đáp không có mục «{entry}». Gõ /kb kèm mã câu hỏi để xem các mục gần giống.",
    "kb.answered": "✅ Đã trả lời #{id} bằng mục {entry} của kho giải đáp; bot đang gửi tới người hỏi.",
    "kb.learned": "Cách hỏi này được thêm vào mục: lần sau ai hỏi như vậy sẽ được trả lời ngay.",
    "publish.usage": "Cú pháp: /publish &lt;mã&gt; [câu hỏi | câu trả lời]",
    "audit.header": "<b>Lịch sử #{id}</b> ({status}):",
    "audit.line": "• {when} — {actor}: {action}",
    "audit.detail": "{detail}",
    "audit.system": "Hệ thống",
    "audit.asked": "gửi câu hỏi",
    "audit.answered": "trả lời",
    "audit.answer_edited": "sửa câu trả lời",
    "audit.assigned": "phân công",
    "audit.forwarded": "chuyển cơ quan có thẩm quyền",
    "audit.duplicate": "đánh dấu trùng lặp",
    "audit.rejected": "từ chối",
    "audit.reopened": "mở lại",
    "audit.published": "đăng vào kho giải đáp",
    "audit.followup": "hỏi thêm",
    "audit.followed": "cùng hỏi",
    "audit.overdue": "nhắc quá hạn",
    "officials.stale_card": "Thẻ này đã cũ: câu hỏi vừa thay đổi. Bạn dùng thẻ mới nhất nhé.",
    "officials.forward_hint": "Gõ: /forward {id} tên cơ quan có thẩm quyền",
    "officials.duplicate_hint": "Gõ: /dup {id} mã câu hỏi gốc (ví dụ: /dup {id} 5)",
    "officials.forward_usage": "Cú pháp: /forward &lt;mã&gt; &lt;tên cơ quan có thẩm quyền&gt;",
    "officials.duplicate_usage": "Cú pháp: /dup &lt;mã&gt; &lt;mã câu hỏi gốc&gt;",
    "officials.reject_usage": "Cú pháp: /reject &lt;mã&gt; &lt;lý do&gt;",
    "officials.assign_usage": "Cú pháp: /assign &lt;mã&gt; &lt;đơn vị&gt;. Các đơn vị: {departments}",
    "officials.no_departments": "Chưa cấu hình đơn vị nào ([[departments]] trong tệp cấu hình).",
    "officials.duplicate_self": "Không thể đánh dấu một câu hỏi trùng với chính nó.",
    "officials.case_usage": "Cú pháp: /case &lt;mã câu hỏi&gt;",
    "officials.not_changed": "Câu hỏi #{id} không thay đổi (đã ở trạng thái này).",
    "officials.done": "✅ #{id}: {action}.",
    # -- what workers are told about their case --
    "notify.assigned": "📌 Câu hỏi <b>#{id}</b> của bạn đã được giao cho <b>{department}</b> trả lời.",
    "notify.forwarded": (
        "↪️ Câu hỏi <b>#{id}</b> thuộc thẩm quyền của <b>{to}</b>. Câu hỏi đã được chuyển tới cơ quan này; "
        "bạn cũng có thể liên hệ trực tiếp nếu cần."
    ),
    "notify.duplicate": (
        "🔁 Câu hỏi <b>#{id}</b> của bạn trùng với câu hỏi <b>#{of}</b> đã có người gửi. "
        "Bạn sẽ nhận câu trả lời của #{of}."
    ),
    "notify.rejected": (
        "Rất tiếc, câu hỏi <b>#{id}</b> chưa thể được giải đáp qua kênh này.\n<b>Lý do:</b> {reason}\n"
        "Bạn có thể gửi câu hỏi khác bằng /ask. Cảm ơn bạn đã thông cảm."
    ),
    "notify.correction": "✏️ Câu trả lời cho câu hỏi <b>#{id}</b> vừa được cán bộ chỉnh sửa:\n{answer}",
    "answer.followup": "❓ Hỏi thêm",
    "followup.prompt": "Mời bạn gõ câu hỏi thêm về <b>#{id}</b> (gõ /cancel để hủy):",
    "followup.sent": "✅ Đã gửi câu hỏi thêm về <b>#{id}</b>. Cán bộ sẽ trả lời bạn sớm.",
    "followup.card": "❓ <b>Hỏi thêm về #{id}</b> · {topic}\n<blockquote>{text}</blockquote>\n<i>Trả lời: reply tin nhắn này.</i>",
    "followup.invalid": "Bạn chỉ có thể hỏi thêm về câu hỏi của chính mình đã được trả lời.",
    "metoo.found": (
        "👥 Câu hỏi của bạn giống một câu hỏi đang chờ trả lời: <b>#{id}</b>, chủ đề <b>{topic}</b>, "
        "{count} người đang hỏi.\nCâu hỏi của bạn: <blockquote>{question}</blockquote>"
    ),
    "metoo.follow": "👥 Cùng hỏi #{id}",
    "metoo.own": "📨 Gửi câu hỏi riêng",
    "metoo.following": "✅ Bạn đã cùng hỏi <b>#{id}</b>. Khi có câu trả lời, bot sẽ gửi cho bạn.",
    # -- "me too" without showing others' words; limits on asking; muting an asker --
    "metoo.choose": (
        "Bạn có thể <b>cùng hỏi</b> để nhận câu trả lời khi có, hoặc vẫn gửi câu hỏi riêng của bạn. "
        "<i>(Để giữ bí mật cho người hỏi, bot không hiển thị câu hỏi của người khác.)</i>"
    ),
    "ask.muted": (
        "Rất tiếc, hiện tại bạn tạm thời chưa thể gửi câu hỏi mới qua bot. "
        "Các câu hỏi bạn đã gửi vẫn được giữ nguyên và bạn vẫn xem được bằng /my. "
        "Nếu có việc cần, bạn vui lòng liên hệ trực tiếp công đoàn cơ sở của mình. Cảm ơn bạn đã thông cảm."
    ),
    "ask.too_many_open": (
        "Bạn đang có {limit} câu hỏi chờ cán bộ trả lời, là số tối đa được gửi cùng lúc. "
        "Bạn vui lòng chờ các câu hỏi đó được trả lời rồi hỏi tiếp nhé. "
        "Bạn có thể xem chúng trong mục “📋 Câu hỏi của tôi”."
    ),
    "card.muted": "🔇 Người hỏi #{id} đã bị chặn gửi câu hỏi mới. Bỏ chặn: /unmute {id}",
    "card.btn_mute": "🔇 Chặn người hỏi #{id}",
    "card.btn_mute_confirm": "🔇 Xác nhận chặn người hỏi #{id}",
    "audit.muted": "chặn người hỏi gửi câu hỏi mới",
    "audit.unmuted": "bỏ chặn người hỏi",
    "mute.done": (
        "🔇 Đã chặn người hỏi #{id}: người này không gửi được câu hỏi mới cho đến khi bỏ chặn "
        "(/unmute {id}). Danh tính của họ vẫn được giữ kín."
    ),
    "mute.already": "Người hỏi #{id} đã bị chặn từ câu hỏi này rồi.",
    "mute.undone": "🔈 Đã bỏ chặn người hỏi #{id}.",
    "mute.not_muted": "Không có lệnh chặn nào được đặt từ câu hỏi #{id}.",
    "mute.usage": "Cú pháp: /unmute &lt;mã câu hỏi&gt;",
    "status.forwarded": "↪️ đã chuyển cơ quan có thẩm quyền",
    "status.duplicate": "🔁 trùng với câu hỏi khác",
    "status.rejected": "⛔ chưa thể giải đáp",
    # -- deadlines, digest, stats --
    "nudge.overdue": "⏰ Câu hỏi <b>#{id}</b> đã quá hạn trả lời (hạn: {when}). Đề nghị đơn vị phụ trách trả lời sớm.",
    "digest.header": "🗓 <b>Tổng hợp ngày {day}</b>",
    "digest.by_status": "<b>Theo trạng thái:</b> {counts}",
    "digest.by_topic": "<b>Đang chờ, theo chủ đề:</b>\n{lines}",
    "digest.by_department": "<b>Đang chờ, theo đơn vị:</b>\n{lines}",
    "digest.oldest": "<b>Chờ lâu nhất:</b>\n{lines}",
    "digest.oldest_line": "• #{id} · {topic} · từ {since}{overdue}",
    "digest.overdue_mark": " ⚠️ quá hạn",
    "digest.none": "Không có câu hỏi nào đang chờ trả lời. 👏",
    "digest.unassigned": "Chưa phân công",
    "stats.text": (
        "📊 <b>Thống kê</b>\n"
        "Tổng số câu hỏi: {total}\n{by_status}\n"
        "Thời gian trả lời (trung vị): {median}\n"
        "Trả lời đúng hạn: {within}\n"
        "Đánh giá: 👍 {up} · 👎 {down}\n"
        "Được kho giải đáp trả lời ngay: {deflections}"
    ),
    "stats.chart_title": "Câu hỏi theo tuần và theo chủ đề",
    "stats.empty": "Chưa có dữ liệu",

    # -- conferences, for workers --
    "cmd.events": "Hội nghị đối thoại sắp tới",
    "cmd.stop_news": "Không nhận thông báo",
    "cmd.start_news": "Nhận lại thông báo",
    "events.none": "Hiện chưa có hội nghị đối thoại nào sắp diễn ra. Bạn vẫn có thể gửi câu hỏi bất cứ lúc nào bằng /ask.",
    "events.header": "🗓 <b>Hội nghị đối thoại sắp tới</b>",
    "events.item": "🗓 <b>{title}</b>\n🕗 {when}\n📍 {place}",
    "events.description": "{description}",
    "events.topics": "<b>Chủ đề:</b> {topics}",
    "events.subscribe": "🔔 Nhắc tôi lịch hội nghị",
    "events.unsubscribe": "🔕 Thôi nhắc lịch",
    "events.subscribed_note": "<i>🔔 Bạn sẽ được nhắc trước khi hội nghị diễn ra.</i>",
    "events.ask": "✍️ Gửi câu hỏi cho hội nghị",
    "events.subscribed": "Đã đăng ký nhắc lịch.",
    "events.unsubscribed": "Đã hủy nhắc lịch.",
    "events.gone": "Hội nghị này không còn diễn ra.",
    "ask.for_conference": "✍️ Câu hỏi cho hội nghị <b>{title}</b>.",
    "reminder.before": "🔔 Nhắc lịch: <b>{title}</b>\n🕗 {when}\n📍 {place}\nBạn có thể gửi thêm câu hỏi cho hội nghị bằng /events.",
    "reminder.cancelled": "⚠️ Hội nghị <b>{title}</b> ({when}) đã <b>bị hủy</b>. Xin lỗi bạn vì sự bất tiện. Câu hỏi bạn đã gửi vẫn được cán bộ trả lời.",
    # -- announcements --
    "news.stop_button": "🔕 Không nhận thông báo",
    "news.stopped": "Bạn sẽ không nhận thông báo chung nữa. Câu trả lời cho câu hỏi của bạn vẫn được gửi bình thường. Gõ /start_news để nhận lại.",
    "news.started": "Bạn sẽ nhận lại thông báo chung. Gõ /stop_news nếu muốn dừng.",
    "broadcast.progress": "📣 Đang gửi thông báo…\n{bar} {percent}%\nĐã gửi: {sent} · Lỗi: {failed} · Còn lại: {left}",
    "broadcast.progress_done": "📣 Đã gửi xong thông báo.\n{bar} {percent}%\nĐã gửi: {sent} · Lỗi: {failed}",
    # -- organizers --
    "org.not_allowed": "Chức năng này dành cho ban tổ chức hội nghị.",
    "org.cancelled": "Đã hủy thao tác.",
    "org.conference_menu": "🗓 <b>Hội nghị đối thoại</b>\nTạo hội nghị mới, hoặc chọn một hội nghị để sửa hay hủy:",
    "org.new_conference": "➕ Tạo hội nghị mới",
    "org.edit_conference": "✏️ {title}",
    "org.ask_title": "Tên hội nghị là gì? (ví dụ: Hội nghị đối thoại giữa Chủ tịch UBND tỉnh với CNVCLĐ năm 2026)",
    "org.ask_when": "Hội nghị diễn ra lúc nào? Ví dụ: <code>25/12/2026 8h30</code> hoặc <code>8:30 25-12</code>.",
    "org.bad_when": "Bot chưa hiểu thời gian này, hoặc thời gian đã qua. Bạn gõ lại, ví dụ: <code>25/12/2026 8h30</code>.",
    "org.ask_place": "Hội nghị tổ chức ở đâu?",
    "org.ask_description": "Mô tả ngắn về hội nghị (thành phần, nội dung). Gõ <code>-</code> nếu không có.",
    "org.ask_topics": "Hội nghị bàn về những chủ đề nào? Bấm để chọn/bỏ chọn; không chọn chủ đề nào nghĩa là mọi chủ đề.",
    "org.topics_done": "➡️ Xong",
    "org.preview": "<b>Xem lại hội nghị</b>\n🗓 {title}\n🕗 {when}\n📍 {place}\n{description}\n<b>Chủ đề:</b> {topics}",
    "org.all_topics": "tất cả",
    "org.create": "✅ Tạo hội nghị",
    "org.created": "✅ Đã tạo hội nghị <b>#{id}</b>: {title}. Người lao động xem và đăng ký nhắc lịch bằng /events; chọn 📣 để thông báo cho họ, kèm nút nhắc lịch và gửi câu hỏi.",
    "org.not_found": "Không tìm thấy hội nghị này (có thể đã bị hủy).",
    "org.field_title": "✏️ Sửa tên",
    "org.field_when": "🕗 Đổi thời gian",
    "org.field_place": "📍 Đổi địa điểm",
    "org.field_description": "📝 Sửa mô tả",
    "org.cancel_conference": "✖️ Hủy hội nghị",
    "org.confirm_cancel": "Hủy hội nghị này? Người đã đăng ký nhắc lịch sẽ được báo một lần.",
    "org.cancel_yes": "✖️ Đúng, hủy hội nghị",
    "org.conference_cancelled": "Đã hủy hội nghị và báo cho người đăng ký.",
    "org.updated": "✅ Đã cập nhật. Lịch nhắc được tính lại theo thời gian mới.",
    "org.empty": "Nội dung đang trống. Bạn vui lòng gõ lại.",
    "org.too_long": "Nội dung quá dài (tối đa {maximum} ký tự; mỗi biểu tượng cảm xúc như 😀 tính là 2).",
    "org.ask_announcement": "📣 Gửi nội dung thông báo: chữ, hoặc một ảnh / một tệp kèm chú thích. Gõ /cancel để hủy.",
    "org.ask_audience": "Gửi thông báo tới ai?",
    "org.audience_all": "👥 Tất cả người lao động",
    "org.audience_conference": "🗓 Người đăng ký: {title}",
    "org.audience_topic": "💬 Người đã hỏi về: {topic}",
    "org.announcement_preview": "<b>Xem trước thông báo</b> — sẽ gửi tới <b>{count}</b> người:",
    "org.with_attachment": "<i>(kèm {kind})</i>",
    "org.send_announcement": "📣 Gửi ngay",
    "org.announcement_queued": "📣 Đã xếp lịch gửi thông báo. Tiến độ được cập nhật bên dưới.",
    "org.agenda_usage": "Cú pháp: /agenda &lt;mã hội nghị&gt; [csv]. Các hội nghị: {conferences}",
    "org.agenda_caption": "📋 Chương trình câu hỏi: <b>{title}</b> ({count} câu hỏi, xếp theo số người cùng hỏi). Sửa cách đọc một câu hỏi: /agenda_edit &lt;mã&gt; &lt;nội dung&gt;",
    "org.answered_usage": "Cú pháp: /answered &lt;mã câu hỏi&gt; &lt;nội dung đã trả lời tại hội nghị&gt;",
    "org.answered_done": "✅ Đã ghi nhận trả lời tại hội nghị cho #{id} và gửi tới người hỏi, người cùng hỏi.",
    "agenda.title": "{title} — {when}",
    # -- conferences on the day: announcing, workplaces, the agenda's wording, results --
    "menu.events": "🗓 Hội nghị đối thoại",
    "events.ask_workplace": (
        "✍️ Câu hỏi cho hội nghị <b>{title}</b>.\n"
        "Bạn làm việc ở công ty hoặc khu công nghiệp (KCN) nào? Ban tổ chức dùng thông tin này để "
        "xếp câu hỏi theo nơi làm việc; chỉ ban tổ chức thấy, kèm câu hỏi của bạn (kể cả khi bạn hỏi ẩn danh).\n"
        "Không bắt buộc: gõ tên (ví dụ: Công ty May Việt Tiến, KCN Tân Bình) hoặc chọn Bỏ qua."
    ),
    "events.skip_workplace": "⏭ Bỏ qua",
    "events.workplace_saved": "Đã ghi nơi làm việc: <b>{workplace}</b>.",
    "events.workplace_skipped": "Đã bỏ qua, không ghi nơi làm việc.",
    "events.workplace_too_long": (
        "Tên nơi làm việc hơi dài. Bạn gõ ngắn gọn (tối đa {maximum} ký tự), hoặc chọn Bỏ qua."
    ),
    "ask.sent_conference": (
        "✅ Câu hỏi đã được đăng ký cho hội nghị <b>{title}</b>. "
        "Mã câu hỏi của bạn là <b>#{id}</b>.\n"
        "Ban tổ chức sẽ đưa câu hỏi vào chương trình hội nghị. Khi có câu trả lời, bot sẽ gửi ngay "
        "cho bạn. Bạn có thể xem lại bằng /my."
    ),
    "conference.announcement": (
        "📣 <b>Mời bạn tham gia hội nghị đối thoại</b>\n\n{details}\n\n"
        "Chọn 🔔 để được nhắc lịch trước giờ họp, hoặc ✍️ để gửi câu hỏi cho hội nghị."
    ),
    "org.announce_conference": "📣 Thông báo hội nghị này",
    "org.conference_announcement_preview": (
        "<b>Xem trước thông báo</b> — sẽ gửi tới <b>{count}</b> người, kèm nút "
        "🔔 Nhắc tôi và ✍️ Gửi câu hỏi (trên Zalo là các lựa chọn đánh số):"
    ),
    "org.conference_stats": "🔔 {subscribers} người đăng ký nhắc lịch · ✍️ {questions} câu hỏi gửi cho hội nghị",
    "org.agenda_edit_usage": (
        "Cú pháp: /agenda_edit &lt;mã câu hỏi&gt; &lt;cách đọc tại hội nghị&gt;. "
        "Gõ /agenda_edit &lt;mã câu hỏi&gt; - để dùng lại cách đọc tự động."
    ),
    "org.agenda_edit_done": (
        "✅ Cách đọc câu hỏi #{id} tại hội nghị:\n<blockquote>{text}</blockquote>\n"
        "Câu hỏi gốc của người lao động vẫn ở cột bên cạnh trong tệp chương trình (/agenda)."
    ),
    "org.agenda_edit_reset": "✅ Câu hỏi #{id} dùng lại cách đọc tự động:\n<blockquote>{text}</blockquote>",
    "agenda.source.conference": "Gửi cho hội nghị",
    "agenda.source.open": "Đang chờ trả lời (cùng chủ đề)",
    "broadcast.report": "📋 <b>Kết quả thông báo</b>: đã gửi tới {sent} người, không gửi được tới {failed} người.",
    "broadcast.report_header": "<b>Không gửi được tới:</b>",
    "broadcast.report_line": "• {who} ({channel}): {reason}",
    "broadcast.report_more": "• … và {count} người khác",
    "broadcast.report_subscribers": (
        "🔔 Đăng ký nhắc lịch hội nghị <b>{title}</b>: {total} người, trong đó {new} người "
        "đăng ký sau thông báo này. Xem lại bất cứ lúc nào: /conference rồi chọn hội nghị."
    ),
    "broadcast.someone": "Một người không cho lưu tên",
    "broadcast.unreachable.blocked": "đã chặn bot",
    "broadcast.unreachable.never_started": "chưa từng bấm Bắt đầu với bot nên bot không nhắn trước được",
    "broadcast.unreachable.deactivated": "tài khoản đã bị xóa",
    "broadcast.unreachable.other": "lỗi: {error}",
    "flood.slow_down": "Bạn đang gửi hơi nhanh. Bạn vui lòng chờ một phút rồi gửi tiếp nhé; những tin vừa rồi bot chưa xử lý.",
    # -- the Zalo channel (no buttons there: numbered choices and words) --
    "channel.telegram": "Telegram",
    "channel.zalo": "Zalo",
    "zalo.friend": "bạn",
    "channel.zalo_oa": "Zalo OA",
    "audit.undelivered": "tin nhắn không đến được người hỏi",
    "audit.undelivered_follower": "tin nhắn không đến được người theo dõi câu hỏi",
    "undelivered.notice": (
        "⚠️ Một tin nhắn về <b>#{id}</b> không đến được {who} (qua {channel}): {why}\n"
        "<i>«{preview}»</i>\n"
        "{after}"
    ),
    "undelivered.asker": "người hỏi",
    "undelivered.follower": "người theo dõi câu hỏi",
    "undelivered.not_resent": "Bot sẽ không gửi lại tin nhắn này.",
    "undelivered.answer_waits": (
        "Bot sẽ không gửi lại; người hỏi vẫn xem được câu trả lời khi nhắn lại cho bot "
        "và chọn “câu hỏi của tôi”."
    ),
    "undelivered.window": (
        "đã quá {days} ngày kể từ tin nhắn cuối của {who} nên Zalo không cho Official Account nhắn lại"
    ),
    "undelivered.window_hours": (
        "đã quá {hours} giờ kể từ tin nhắn cuối của {who} nên Zalo không cho Official Account nhắn lại"
    ),
    "undelivered.blocked": "{who} đã chặn bot",
    "undelivered.blocked.zalo_oa": "{who} đã bỏ quan tâm hoặc chặn Official Account",
    "undelivered.quota": "Official Account đã hết hạn mức tin nhắn gửi cho người này",
    "undelivered.other": "nền tảng từ chối tin nhắn ({error})",
    "zalo.choices_hint": "👉 Trả lời {first}–{last} để chọn.",
    "zalo.choices_hint_one": "👉 Trả lời 1 để chọn.",
    "zalo.out_of_range": "Không có lựa chọn số {number}. Bạn vui lòng trả lời một số từ {first} đến {last}.",
    "zalo.out_of_range_one": "Không có lựa chọn số {number}. Chỉ có một lựa chọn: bạn trả lời 1 nhé.",
    "zalo.no_choices": (
        "Hiện không có lựa chọn nào đang chờ bạn trả lời bằng số. "
        "Gõ “hỏi” để đặt câu hỏi, hoặc “trợ giúp” để xem hướng dẫn."
    ),
    "zalo.use_choices": "Bạn vui lòng trả lời bằng số thứ tự của một lựa chọn bên dưới, hoặc gõ “hủy” để hủy.",
    "zalo.news_hint": "🔕 Gõ “dừng tin” nếu không muốn nhận thông báo chung.",
    # message.unsupported.received: Zalo withheld the person's message (a protected group, by law).
    "zalo.withheld": (
        "Zalo chưa chuyển nội dung tin nhắn của bạn đến chúng tôi: với một số tài khoản, Zalo giữ lại "
        "nội dung theo quy định pháp luật, nên chúng tôi chưa đọc được bạn muốn hỏi gì.\n\n{how}"
    ),
    "zalo.withheld_hotline": (
        "Bạn vui lòng gọi đường dây nóng của công đoàn: <b>{hotline}</b>, hoặc nhờ người thân "
        "liên hệ giúp. Chúng tôi luôn sẵn lòng lắng nghe bạn."
    ),
    "zalo.withheld_no_hotline": (
        "Bạn vui lòng liên hệ trực tiếp công đoàn cơ sở nơi bạn làm việc, hoặc nhờ người thân "
        "liên hệ giúp. Chúng tôi luôn sẵn lòng lắng nghe bạn."
    ),
    # What a Zalo user types where a text names a Telegram command ("/cancel" → “hủy”).
    "zalo.word.ask": "“hỏi”",
    "zalo.word.my": "“câu hỏi của tôi”",
    "zalo.word.cancel": "“hủy”",
    "zalo.word.help": "“trợ giúp”",
    "zalo.word.events": "“hội nghị”",
    "zalo.word.privacy": "“quyền riêng tư”",
    "zalo.word.mydata": "“dữ liệu của tôi”",
    "zalo.word.forget": "“xóa dữ liệu”",
    "zalo.word.stop_news": "“dừng tin”",
    "zalo.word.start_news": "“nhận tin”",
    "zalo.attachment_missing": "(Thông báo này có kèm ảnh hoặc tệp, hiện chưa gửi được qua Zalo.)",
    "cmd.mydata": "Xem dữ liệu bot lưu về tôi",
    "cmd.forget": "Xóa dữ liệu cá nhân của tôi",
    "privacy.notice": (
        "🔒 <b>Trước khi bắt đầu</b>\n"
        "Bot lưu: tên hiển thị Telegram của bạn (chỉ khi bạn đồng ý), các câu hỏi và câu trả lời, "
        "để chuyển câu hỏi tới cán bộ và gửi trả lời về cho bạn.\n"
        "Ai thấy: cán bộ Công đoàn và các sở, ngành trả lời câu hỏi. Câu hỏi ẩn danh thì không ai thấy tên bạn.\n"
        "Xem hoặc xóa: gõ /mydata để nhận bản sao dữ liệu, /forget để xóa dữ liệu cá nhân.\n"
        "(Theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân.)\n\n"
        "Bạn có đồng ý để bot lưu tên của bạn không? Nếu không, bạn vẫn hỏi được, nhưng mọi câu hỏi sẽ ẩn danh."
    ),
    "privacy.agree": "✅ Đồng ý",
    "privacy.decline": "🕶 Không, tôi chỉ hỏi ẩn danh",
    "privacy.agreed": "✅ Cảm ơn bạn. Bạn có thể đổi ý bất cứ lúc nào bằng /privacy.",
    "privacy.declined": "🕶 Bot sẽ không lưu tên của bạn; mọi câu hỏi của bạn sẽ ẩn danh. Đổi ý: /privacy.",
    "privacy.mydata_caption": "📄 Toàn bộ dữ liệu bot đang lưu về bạn.",
    "privacy.forget_confirm": (
        "Xóa dữ liệu cá nhân của bạn? Tên và liên kết tài khoản sẽ bị xóa; câu hỏi đã gửi được giữ lại "
        "dưới dạng ẩn danh, và bạn sẽ <b>không nhận được</b> câu trả lời cho các câu hỏi còn đang chờ."
    ),
    "privacy.forget_yes": "🗑 Xóa dữ liệu của tôi",
    "privacy.forgotten": "🗑 Đã xóa dữ liệu cá nhân của bạn. Nếu bạn nhắn lại, bot sẽ coi bạn là người dùng mới.",
    # -- deadlines as days; long texts in several messages --
    "deadline.end_of_day": "hết {weekday} {day}",
    "deadline.weekdays": "thứ Hai|thứ Ba|thứ Tư|thứ Năm|thứ Sáu|thứ Bảy|Chủ nhật",
    "audit.header_continued": "<b>Lịch sử #{id}</b> ({status}, tiếp theo):",
    # -- officials as Telegram really shows them: anonymous admins, media answers, replies --
    "officials.anonymous_admin": "Quản trị viên nhóm",
    "officials.reply_hint": (
        "💡 Tin nhắn này chưa gắn với câu hỏi nào. Để trả lời, bạn hãy trả lời (reply) trực tiếp "
        "vào thẻ câu hỏi, hoặc gõ /answer N nội dung (N là mã câu hỏi)."
    ),
    "officials.answer_needs_caption": (
        "Ảnh, tệp hoặc tin nhắn thoại cần kèm chú thích là nội dung trả lời. "
        "Bạn vui lòng gửi lại kèm chú thích."
    ),
    "answer.attachment_copy": "📎 Kèm theo câu trả lời cho câu hỏi <b>#{id}</b>.",
    "answer.attachment_left_out": "📎 Cán bộ có gửi kèm {what}, nhưng bot chưa chuyển được qua kênh này.",
    "attachment.photo": "một ảnh",
    "attachment.document": "một tệp",
    "attachment.voice": "một tin nhắn thoại",
    "attachment.audio": "một tệp âm thanh",
    "attachment.video": "một video",
    # -- followers, follow-ups and ratings: each answer to whom it is meant, 👎 seen by officials --
    "answer.follower_delivered": (
        "📬 Câu hỏi bạn cùng hỏi (<b>#{id}</b>) đã được trả lời.\n\n"
        "<b>Trả lời:</b>\n{answer}"
    ),
    "answer.duplicate_delivered": (
        "📬 Câu hỏi <b>#{own}</b> của bạn trùng với câu hỏi <b>#{id}</b>, nay đã được trả lời.\n\n"
        "<b>Bạn hỏi:</b>\n<blockquote>{question}</blockquote>\n"
        "<b>Trả lời:</b>\n{answer}"
    ),
    "answer.followup_delivered": (
        "📬 Câu hỏi thêm của bạn về <b>#{id}</b> đã có câu trả lời.\n\n"
        "<b>Bạn hỏi thêm:</b>\n<blockquote>{question}</blockquote>\n"
        "<b>Trả lời:</b>\n{answer}"
    ),
    "rate.rated_up": "✅ Bạn đã đánh giá: 👍 Hữu ích",
    "rate.rated_down": "✅ Bạn đã đánh giá: 👎 Chưa thỏa đáng",
    "rate.why": (
        "Cảm ơn bạn đã cho biết. Câu trả lời chưa thỏa đáng ở điểm nào? Bạn có thể gõ một dòng ngắn "
        "để cán bộ xem lại, hoặc bỏ qua."
    ),
    "rate.why_skip": "Bỏ qua",
    "rate.why_thanks": "Cảm ơn bạn. Ý kiến của bạn đã được chuyển tới cán bộ phụ trách.",
    "rate.why_skipped": "Cảm ơn bạn đã đánh giá!",
    "dislike.asker": "Người hỏi",
    "dislike.follower": "Một người cùng hỏi",
    "dislike.notice": "👎 #{id}: {who} chưa hài lòng với câu trả lời.",
    "dislike.notice_reason": "👎 #{id}: {who} chưa hài lòng với câu trả lời: «{reason}»",
    "card.dislike": "👎 <b>{who} chưa hài lòng</b>",
    "card.dislike_reason": "👎 <b>{who} chưa hài lòng:</b> «{reason}»",
    "card.dislikes_more": "👎 … và {count} lượt chưa hài lòng trước đó",
    "card.thread_earlier": "<i>… {count} lượt hỏi thêm, trả lời trước đó: xem /case {id}</i>",
    "audit.disliked": "chưa hài lòng với câu trả lời (👎)",
    "audit.disliked_follower": "người cùng hỏi chưa hài lòng với câu trả lời (👎)",
    "stats.follower_ratings": "Đánh giá của người cùng hỏi: 👍 {up} · 👎 {down}",
    "digest.dislikes": "<b>👎 Chưa hài lòng với câu trả lời:</b>\n{lines}",
    "digest.dislike_line": "• #{id} · {who}",
    "digest.dislike_line_reason": "• #{id} · {who}: «{reason}»",
    # -- one vocabulary on Telegram and Zalo; search first, topic later, one last step --
    "help.words": (
        "Bạn cũng có thể gõ chữ thay cho lệnh, có dấu hay không dấu đều được: "
        "“hỏi”, “câu hỏi của tôi”, “hội nghị”, “hủy”, “trợ giúp”."
    ),
    "zalo.help_choices": (
        "Trên Zalo, khi bot đưa ra các lựa chọn đánh số, bạn trả lời bằng số (ví dụ: 2) "
        "hoặc gõ vài chữ của lựa chọn, có dấu hay không dấu đều được; “ok” hay “đồng ý” để gửi câu hỏi."
    ),
    "vocab.thanks": "Không có gì ạ! Khi cần, bạn cứ gõ /ask để hỏi tiếp nhé.",
    "ask.type_question_first": (
        "✍️ Mời bạn gõ câu hỏi (ít nhất 10 ký tự, tối đa 2.000 ký tự). Gõ /cancel nếu muốn hủy."
    ),
    "ask.type_full_question": (
        "✍️ Mời bạn gõ câu hỏi đầy đủ hơn (ít nhất {minimum} ký tự) để cán bộ hiểu đúng ý bạn. "
        "Gõ /cancel nếu muốn hủy."
    ),
    "ask.kb_choices": (
        "📚 Kho giải đáp có một số câu hỏi gần với “{words}”. "
        "Bạn chọn một câu để xem câu trả lời, hoặc gõ câu hỏi của mình:"
    ),
    "ask.kb_write": "✍️ Tôi muốn gõ câu hỏi của mình",
    "ask.confirm_send": (
        "Bạn kiểm tra lại trước khi gửi nhé:\n"
        "<b>Chủ đề:</b> {topic}\n"
        "<b>Câu hỏi:</b>\n<blockquote>{question}</blockquote>\n"
        "{how}"
    ),
    "ask.confirm_how_named": (
        "• <b>Gửi kèm tên</b>: cán bộ thấy tên của bạn là “{name}”.\n"
        "• <b>Gửi ẩn danh</b>: cán bộ không thấy tên hay tài khoản của bạn; "
        "câu trả lời vẫn được gửi về cho bạn."
    ),
    "ask.confirm_how_anonymous": (
        "Câu hỏi sẽ được gửi <b>ẩn danh</b>: cán bộ không thấy tên hay tài khoản của bạn; "
        "câu trả lời vẫn được gửi về cho bạn."
    ),
    # -- officials' tools: likely duplicates, forward targets, /kb choices, publishing step by step --
    "card.declined": (
        "📚 <i>Người hỏi đã xem mục <code>{entry}</code> («{question}») và thấy chưa đủ: "
        "đừng gửi lại mục này.</i>"
    ),
    "dup.choose": "Chọn câu hỏi gốc bên dưới, hoặc gõ /dup {id} ‹mã câu hỏi gốc›.",
    "dup.none": "Chưa thấy câu hỏi nào giống #{id}. Nếu biết mã câu hỏi gốc, bạn gõ /dup {id} ‹mã›.",
    "dup.button": "{icon} #{id} · {question}",
    "fwd.choose": "Chọn cơ quan bên dưới, hoặc gõ /forward {id} ‹tên cơ quan có thẩm quyền›.",
    "fwd.none": "Chưa có cơ quan nào để chọn. Bạn gõ /forward {id} ‹tên cơ quan có thẩm quyền›.",
    "fwd.department": "↪️ {name}",
    "fwd.recent": "🕘 {name}",
    "kb.near_buttons": (
        "📚 Các mục trong kho gần với #{id}:\n{lines}\n"
        "<i>Bấm một mục để trả lời #{id} bằng mục đó, hoặc gõ /kb {id} ‹mã mục›.</i>"
    ),
    "kb.button": "📚 {entry} · {question}",
    "kb.declined_line": "<i>Không gợi ý lại mục {entry}: người hỏi đã xem và thấy chưa đủ.</i>",
    "kb.declined": (
        "Người hỏi #{id} đã xem mục {entry} và thấy chưa đủ, nên bot không gửi lại mục này. "
        "Bạn vui lòng trả lời bằng lời của mình, bổ sung phần còn thiếu."
    ),
    "publish.preview_pair": (
        "📚 <b>Xem trước mục kho giải đáp từ #{id}</b> · {pair}\n"
        "<b>Hỏi</b>{question_edited}: {question}\n<b>Đáp</b>{answer_edited}: {answer}"
    ),
    "publish.pair_question": "câu hỏi gốc và câu trả lời",
    "publish.pair_followup": "hỏi thêm lần {count} và câu trả lời",
    "publish.edited": " (đã sửa)",
    "publish.how_to_edit": (
        "<i>Muốn sửa trước khi đăng: bấm ✏️, rồi bấm Trả lời vào tin này và gõ nội dung mới "
        "(hoặc gõ /publish {id} câu hỏi | câu trả lời).</i>"
    ),
    "publish.awaiting_question": "✍️ <b>Bấm Trả lời vào tin này và gõ câu hỏi đã sửa.</b>",
    "publish.awaiting_answer": "✍️ <b>Bấm Trả lời vào tin này và gõ câu trả lời đã sửa.</b>",
    "publish.btn_pair_question": "❓ Câu hỏi gốc",
    "publish.btn_pair_followup": "❓ Hỏi thêm lần {count}",
    "publish.btn_chosen": "✔️ {label}",
    "publish.btn_edit_question": "✏️ Sửa câu hỏi",
    "publish.btn_edit_answer": "✏️ Sửa câu trả lời",
    "publish.reply_hint": (
        "Muốn sửa mục này, bạn bấm ✏️ Sửa câu hỏi hoặc ✏️ Sửa câu trả lời trên bản xem trước, "
        "rồi mới trả lời vào tin đó."
    ),
    "publish.edit_not_text": "Nội dung sửa cần là văn bản. Bạn vui lòng gõ lại.",
    "publish.preview_gone": "Bản xem trước này đã cũ. Bạn bấm 📚 Đăng vào kho trên thẻ để xem lại.",
}
