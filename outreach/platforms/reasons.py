"""Why a delivery or an account stopped, in Bahasa Indonesia and English: one table of stable
codes with both sentences (placeholders are `str.format` fields), as compose/validate.py does.

The English sentence is what PublishError.message carries and what the database, logs and CLI
keep. Pages turn a stored sentence back into its code and params through the table's own English
pattern (`translate`), so rows written before a sentence had a code are translated too, and a
sentence that matches nothing (e.g. the platform's own words) is shown as it is.

Fields named in NESTED hold a sentence or phrase of their own (`why`, `action`, ...): they are
translated recursively; every other field (numbers, a platform's label, what the platform said)
is kept as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from outreach.errors import Sentences
from outreach.platforms.reasons_access import ACCESS

REASONS: dict[str, tuple[str, str]] = {
    # -- how a failure is settled (dispatch/outcomes.py, dispatcher.py)
    "settle.rate_wait": ("{why} Menunggu sampai batas platform pulih.",
                         "{why} Waiting until the platform's limit resets."),
    "settle.gave_up": ("{why} Dihentikan setelah {n} kali mencoba.",
                       "{why} Gave up after {n} tries."),
    "settle.no_client": (
        "{why} Akun ini tidak dapat dipakai untuk mencarinya; periksa platformnya, lalu tandai "
        "terbit atau coba lagi.",
        "{why} The account cannot be used to look for it; please check the platform, then mark "
        "it published or retry."),
    "settle.cannot_tell": (
        "{why} Platform tidak dapat memastikan apakah kiriman sudah terbit: {detail} Periksa "
        "akunnya, lalu tandai terbit atau coba lagi.",
        "{why} The platform cannot tell whether it was posted: {detail} Please check the "
        "account, then mark it published or retry."),
    "settle.not_found": ("{why} Kiriman tidak ditemukan di platform, jadi akan dicoba lagi.",
                         "{why} It was not found on the platform, so it will be tried again."),
    "missed": (
        "Tidak terbit dalam {hours} jam sejak waktunya; pilih terbitkan sekarang atau batalkan.",
        "Not published within {hours} hours of its time; choose to publish it now or cancel "
        "it."),
    "account_removed": ("Dibatalkan: akunnya dihapus.", "Cancelled: the account was removed."),
    # -- network (graph.py, x/errors.py)
    "net.no_connect": ("Tidak dapat terhubung ke {label} saat {action}; tidak ada yang terkirim.",
                       "Could not connect to {label} while {action}; nothing was sent."),
    "net.lost_publish": (
        "{Action} sudah dikirim ke {label}, tetapi {what}; kiriman mungkin sudah ada, jadi akan "
        "dicari dulu sebelum mencoba lagi.",
        "{Action} was sent to {label} but {what}; the post may exist, so it will be looked for "
        "before any new attempt."),
    "net.no_answer": ("{label} tidak menjawab saat {action}: {what}.",
                      "{label} did not answer while {action}: {what}."),
    "net.timeout": ("jawaban tidak datang tepat waktu", "no answer came in time"),
    "net.closed": ("sambungan terputus sebelum {label} menjawab",
                   "the connection was closed before {label} answered"),
    "x.no_connect": ("Tidak dapat terhubung ke X (sambungan {how}); tidak ada yang terkirim.",
                     "Could not connect to X (the connection {how}); nothing was sent."),
    "x.timed_out": ("habis waktu", "timed out"),
    "x.refused": ("ditolak", "was refused"),
    "x.lost_publish": (
        "Kiriman sudah dikirim ke X, tetapi {what}; kiriman mungkin sudah ada, jadi akan dicari "
        "dulu sebelum mencoba lagi.",
        "The post was sent to X but {what}; it may exist, so it will be looked for before any "
        "new attempt."),
    "x.closed": ("sambungan terputus sebelum X menjawab",
                 "the connection was closed before X answered"),
    "x.no_answer": ("X tidak menjawab: {what}.", "X did not answer: {what}."),
    # -- X's answers (x/errors.py)
    "x.unreadable": ("Jawaban X tidak dapat dibaca.", "X's answer could not be read."),
    "x.rate": ("Batas panggilan X untuk akun ini tercapai; pulih dalam {wait} detik.",
               "X's rate limit for this account is reached; it resets in {wait} s."),
    "x.credits": (
        "X menyatakan aplikasi ini tidak punya kredit API lagi, jadi kiriman X akun ini ditahan. "
        "Tambahkan kredit di X Developer Console, lalu lanjutkan akunnya di halaman Akun "
        "platform.",
        "X says this app has no API credits left, so the account's X posts are held. Add "
        "credits in the X Developer Console, then resume the account on the platform accounts "
        "page."),
    "x.auth": ("X tidak lagi menerima token akses akun ini: sambungkan ulang akunnya.",
               "X no longer accepts this account's access token: reconnect it."),
    "x.duplicate": (
        "X menolak kiriman ini karena akun ini sudah pernah menerbitkan teks yang persis sama. "
        "Ubah kalimatnya untuk menerbitkannya lagi.",
        "X refuses this post because the account has already posted exactly the same text. "
        "Change the wording to post it again."),
    "x.read_only": (
        "X menyatakan aplikasi ini hanya boleh membaca, tidak menerbitkan: beri aplikasi izin "
        "baca dan tulis di portal pengembang X, lalu sambungkan ulang akunnya.",
        "X says this app may only read, not post: give the app read and write permission in "
        "the X developer portal, then reconnect the account."),
    "x.server_publish": (
        "X menjawab dengan galat server ({status}); kiriman mungkin tetap ada, jadi akan dicari "
        "dulu sebelum mencoba lagi.",
        "X answered with a server error ({status}); the post may exist anyway, so it will be "
        "looked for before any new attempt."),
    "x.server": ("X menjawab dengan galat server ({status}).",
                 "X answered with a server error ({status})."),
    "x.refused_request": ("X menolak permintaan ini ({status}): {said}",
                          "X refused the request ({status}): {said}"),
    "x.no_id": ("X menerima kiriman, tetapi tidak menyebut kiriman yang mana.",
                "X accepted the post but did not say which post it is."),
    "x.no_text": ("Kiriman ini tidak berisi teks.", "The post has no text."),
    # -- Meta's Graph API (graph.py)
    "graph.usage": (
        "{label} menyatakan aplikasi ini sudah memakai {usage}% dari jatah panggilannya; "
        "penerbitan berhenti {minutes} menit agar tetap di bawah batas.",
        "{label} says this app has used {usage}% of its allowed calls; publishing pauses for "
        "{minutes} minutes to stay under the limit."),
    "graph.unreadable_publish": (
        "Jawaban {label} saat {action} tidak dapat dibaca; kiriman mungkin sudah ada, jadi akan "
        "dicari dulu sebelum mencoba lagi.",
        "{label}'s answer to {action} could not be read; the post may exist, so it will be "
        "looked for before any new attempt."),
    "graph.unreadable_status": ("Jawaban {label} saat {action} tidak dapat dibaca (HTTP {status}).",
                                "{label}'s answer to {action} could not be read (HTTP {status})."),
    "graph.unreadable": ("Jawaban {label} saat {action} tidak dapat dibaca.",
                         "{label}'s answer to {action} could not be read."),
    "graph.rate": (
        "Batas panggilan {label} tercapai (kode {code}); penerbitan menunggu {minutes} menit.",
        "{label}'s rate limit is reached (code {code}); publishing waits {minutes} minutes."),
    "graph.auth_said": ("{why} ({label} mengatakan: {said})", "{why} ({label} said: {said})"),
    "graph.auth_verify": ("{label} tidak menerima kredensial ini: {why}.",
                          "{label} does not accept these credentials: {why}."),
    "graph.auth_account": ("Akun {label} {name} harus disambungkan ulang: {why}.",
                           "The {label} account {name} must be reconnected: {why}."),
    "graph.token_expired": ("token aksesnya sudah kedaluwarsa", "its access token has expired"),
    "graph.password_changed": (
        "token aksesnya berhenti berlaku karena kata sandinya diganti",
        "its access token stopped working because the password was changed"),
    "graph.permission": ("aplikasi tidak punya izin yang diperlukan untuk menerbitkan",
                         "the app lacks a permission it needs to post"),
    "graph.token_invalid": ("token aksesnya tidak berlaku lagi",
                            "its access token is no longer valid"),
    "graph.duplicate": (
        "{label} menolak kiriman ini karena teks yang sama baru saja diterbitkan (kiriman ganda). "
        "Ubah kalimatnya untuk menerbitkannya lagi.",
        "{label} refuses this post because the same text was just posted (duplicate post). "
        "Change the wording to post it again."),
    "graph.blocked": (
        "{label} untuk sementara memblokir akun ini dari menerbitkan ({why}); penerbitan "
        "menunggu {minutes} menit. {label} mengatakan: {said}",
        "{label} has temporarily blocked this account from posting ({why}); publishing waits "
        "{minutes} minutes. {label} said: {said}"),
    "graph.too_fast": ("akun ini dianggap menerbitkan terlalu cepat",
                       "it says the account is posting too fast"),
    "graph.policies": ("kiriman sebelumnya dinilai melanggar kebijakannya",
                       "it judged earlier posts against its policies"),
    "graph.server_publish": (
        "{label} mengalami masalah di pihaknya saat {action} ({tag}); kiriman mungkin tetap ada, "
        "jadi akan dicari dulu sebelum mencoba lagi.",
        "{label} had a problem on its side while {action} ({tag}); the post may exist anyway, "
        "so it will be looked for before any new attempt."),
    "graph.temporary": ("{label} mengalami masalah sementara saat {action} ({tag}); akan dicoba "
                        "lagi.",
                        "{label} had a temporary problem while {action} ({tag}); it will be "
                        "tried again."),
    "graph.refused": ("{label} menolak kiriman ini ({tag}): {said}",
                      "{label} refused the post ({tag}): {said}"),
    "graph.no_reason": ("tanpa alasan", "no reason given"),
    "graph.reply_permission": (
        "Token akun {label} tidak punya izin {permission} yang diperlukan untuk membalas "
        "komentar: admin menyambungkan ulang akunnya dan memberikan izin itu.",
        "The {label} account's token lacks the {permission} permission that replying to "
        "comments needs: an admin reconnects the account and grants it."),
    "graph.reply_no_id": (
        "{label} menerima balasan, tetapi tidak menyebut komentar yang mana; periksa di "
        "platform.",
        "{label} accepted the reply but did not say which comment it is; check on the "
        "platform."),
    # -- Facebook and Instagram (facebook.py, instagram.py)
    "fb.no_photo_id": ("Facebook tidak menyebut foto mana yang diterimanya; akan dicoba lagi.",
                       "Facebook did not say which photo it received; it will be tried again."),
    "fb.no_post_id": ("Facebook menerima kiriman, tetapi tidak menyebut kiriman yang mana; akan "
                      "dicari.",
                      "Facebook accepted the post but did not say which post it is; it will "
                      "be looked for."),
    "fb.empty": ("Kiriman ini tidak berisi teks maupun gambar.",
                 "The post has no text and no image."),
    "ig.no_post_id": ("Instagram menerima kiriman, tetapi tidak menyebut kiriman yang mana; akan "
                      "dicari.",
                      "Instagram accepted the post but did not say which post it is; it will "
                      "be looked for."),
    "ig.quota": ("Batas harian Instagram untuk kiriman lewat API-nya tercapai; penerbitan "
                 "menunggu.",
                 "Instagram's daily limit of posts published through its API is reached; "
                 "publishing waits."),
    "ig.quota_used": ("Instagram mengizinkan {total} kiriman sehari lewat API-nya dan {used} "
                      "sudah terpakai; penerbitan menunggu.",
                      "Instagram allows {total} posts a day through its API and {used} were "
                      "used; publishing waits."),
    "ig.expired": ("Instagram membiarkan kiriman yang disiapkan kedaluwarsa (24 jam); akan "
                   "disiapkan lagi.",
                   "Instagram let the prepared post expire (24 hours); it will be prepared "
                   "again."),
    "ig.processing": ("Instagram masih memproses gambarnya; penerbitan dilanjutkan pada putaran "
                      "berikutnya.",
                      "Instagram is still processing the image; publishing continues on the "
                      "next pass."),
    "ig.no_container": ("Instagram tidak menyebut wadah yang dibuatnya; akan dicoba lagi.",
                        "Instagram did not say which container it made; it will be tried "
                        "again."),
    "ig.bad_image": ("Instagram tidak dapat memproses gambarnya: {said}",
                     "Instagram could not process the image: {said}"),
    "ig.fetch_image": ("Instagram tidak dapat mengambil gambar dari alamat layanan ini ({said}); "
                       "akan dicoba lagi.",
                       "Instagram could not fetch the image from this service's address "
                       "({said}); it will be tried again."),
    "ig.not_ready": ("Instagram belum siap: {said}", "Instagram was not ready: {said}"),
    "ig.image_refused": ("Instagram menolak gambarnya ({tag}): {said}",
                         "Instagram refused the image ({tag}): {said}"),
    "ig.no_public_url": (
        "Instagram mengambil gambar dari alamat publik, dan belum ada yang diatur: isi "
        "OUTREACH_PUBLIC_BASE_URL, atau OUTREACH_MEDIA_STORE=s3 beserta bucket-nya.",
        "Instagram fetches images from a public address, and none is configured: set "
        "OUTREACH_PUBLIC_BASE_URL, or OUTREACH_MEDIA_STORE=s3 with a bucket."),
    "ig.cannot_offer": ("Gambar {name} tidak dapat ditawarkan ke Instagram: {why}",
                        "The image {name} cannot be offered to Instagram: {why}"),
    "ig.published_missing": (
        "Instagram menyatakan kiriman ini sudah terbit, tetapi kiriman itu tidak ada di antara "
        "kiriman terbaru akun ini.",
        "Instagram says this post was published, but it is not among the account's recent "
        "posts."),
    "ig.published_missing_": (
        "Instagram menyatakan kirimannya sudah terbit, tetapi kiriman itu tidak ada di antara "
        "kiriman terbaru akun ini.",
        "Instagram says the post was published but it is not among the account's recent "
        "posts."),
    "ig.cannot_go": ("Kiriman ini tidak dapat dikirim ke Instagram: {problems}.",
                     "This post cannot go to Instagram: {problems}."),
    "ig.needs_image": ("kiriman Instagram memerlukan paling sedikit satu gambar",
                       "Instagram posts need at least one image"),
    "ig.too_many": ("{n} gambar, Instagram menerima paling banyak {max}",
                    "{n} images: Instagram takes at most {max}"),
    "ig.caption_long": ("keterangannya {n} karakter, Instagram menerima paling banyak {max}",
                        "the caption has {n} characters, Instagram takes at most {max}"),
    "ig.hashtags": ("{n} tagar, paling banyak {max} yang diizinkan "
                    "(OUTREACH_INSTAGRAM_MAX_HASHTAGS)",
                    "{n} hashtags, at most {max} are allowed (OUTREACH_INSTAGRAM_MAX_HASHTAGS)"),
    "ig.mentions": ("{n} sebutan @, Instagram menerima paling banyak {max}",
                    "{n} @-mentions, Instagram takes at most {max}"),
    # -- Instagram without the Graph API: its answers (instagram_private/)
    "igp.no_answer": ("Instagram tidak menjawab saat {action}: {what}; akan dicoba lagi.",
                      "Instagram did not answer while {action}: {what}; it will be tried "
                      "again."),
    "igp.no_answer_publish": (
        "Instagram tidak menjawab saat {action}: {what}; kiriman mungkin sudah ada, jadi akan "
        "dicari dulu sebelum mencoba lagi.",
        "Instagram did not answer while {action}: {what}; the post may exist, so it will be "
        "looked for before any new attempt."),
    "igp.temporary_publish": (
        "Instagram mengalami masalah sementara saat {action} ({tag}); kiriman mungkin sudah "
        "ada, jadi akan dicari dulu sebelum mencoba lagi.",
        "Instagram had a temporary problem while {action} ({tag}); the post may exist, so it "
        "will be looked for before any new attempt."),
    "igp.unreadable": ("jawabannya tidak dapat dibaca", "its answer could not be read"),
    "igp.reupload": ("Instagram belum siap dengan gambar yang diunggah ({said}); gambarnya akan "
                     "diunggah lagi.",
                     "Instagram was not ready with the uploaded image ({said}); it will be "
                     "uploaded again."),
    "igp.reupload_publish": (
        "Instagram belum siap dengan gambar yang diunggah ({said}); kiriman mungkin sudah ada, "
        "jadi akan dicari dulu sebelum mencoba lagi.",
        "Instagram was not ready with the uploaded image ({said}); the post may exist, so it "
        "will be looked for before any new attempt."),
    "igp.gone": ("Instagram tidak lagi memiliki kiriman ini.",
                 "Instagram no longer has this post."),
    "igp.went_wrong_publish": (
        "Terjadi kesalahan saat {action} ({error}); kiriman mungkin sudah ada, jadi akan dicari "
        "dulu sebelum mencoba lagi.",
        "Something went wrong while {action} ({error}); the post may exist, so it will be "
        "looked for before any new attempt."),
    "igp.went_wrong": ("Terjadi kesalahan saat {action} ({error}); akan dicoba lagi.",
                       "Something went wrong while {action} ({error}); it will be tried again."),
    "igp.refused": ("Instagram menolak kiriman ini: {said}", "Instagram refused the post: {said}"),
    "igp.album_no_id": (
        "Instagram menjawab album ini tanpa menyebut kiriman mana yang dibuatnya; akan dicari.",
        "Instagram answered the album without saying which post it made; it will be looked "
        "for."),
    "igp.album_unreadable": (
        "Jawaban Instagram atas album ini tidak dapat dibaca; akan dicari dulu sebelum mencoba "
        "lagi.",
        "Instagram's answer to the album could not be read; it will be looked for before any "
        "new attempt."),
    "igp.no_id": ("Instagram menerima kiriman, tetapi tidak menyebut kiriman yang mana; akan "
                  "dicari.",
                  "Instagram accepted the post but did not say which post it is; it will be "
                  "looked for."),
    "igp.no_recent": (
        "Instagram tidak menampilkan kiriman terbaru akun ini, jadi tidak dapat dipastikan "
        "apakah kirimannya sudah ada.",
        "Instagram did not show the account's recent posts, so it cannot be told whether the "
        "post exists."),
    # -- X's images and texts (x/media.py, x/platform.py)
    "x.too_many": ("{n} gambar: satu kiriman X menerima paling banyak {max}.",
                   "{n} images: a post on X takes at most {max}."),
    "x.media_failed": ("X tidak dapat memproses gambar ini: {said} Coba berkas lain.",
                       "X could not process this image: {said} Try another file."),
    "x.media_failed_plain": ("X tidak dapat memproses gambar ini. Coba berkas lain.",
                             "X could not process this image. Try another file."),
    "x.media_processing": ("X masih memproses gambarnya; kiriman akan dicoba lagi nanti.",
                           "X is still processing the image; the post will be tried again "
                           "later."),
    "x.media_no_id": ("X tidak menyebut gambar mana yang diterimanya; unggahan akan dicoba lagi.",
                      "X did not say which image it received; the upload will be tried again."),
    "x.upload_failed": ("Gambar gagal diunggah: {why}", "Uploading an image failed: {why}"),
    "x.upload_unreadable": ("Jawaban X atas unggahan gambar tidak dapat dibaca.",
                            "X's answer to an image upload could not be read."),
    "x.reply_no_id": ("X menerima balasan, tetapi tidak menyebut kiriman yang mana.",
                      "X accepted the reply but did not say which post it is."),
    "x.too_long": (
        "{where} berisi {length} dari {max} karakter yang diizinkan X (tautan dihitung 23, "
        "emoji dan aksara CJK 2): persingkat.",
        "{where} counts {length} of the {max} characters X allows (links count 23, emoji and "
        "CJK characters 2): shorten it."),
    "x.the_text": ("Teksnya", "The text"),
    "x.part": ("Bagian {number} dari utas", "Part {number} of the thread"),
    # -- checks every platform makes (base.py, images.py, facebook.py, graph.py)
    "search.unsupported": ("{label} belum dapat ditelusuri untuk kiriman ini; periksa akunnya.",
                           "{label} cannot be searched for this post yet; please check the "
                           "account."),
    "reply.unsupported_here": (
        "Membalas komentar di {label} dari aplikasi ini tidak didukung; jawab langsung di "
        "{label}.",
        "Replying to comments on {label} from this app is not supported; answer on {label} "
        "itself."),
    "reply.unsupported": ("Membalas komentar di {label} dari aplikasi ini tidak didukung.",
                          "Replying to comments on {label} from this app is not supported."),
    "reply.empty": ("Balasannya kosong.", "The reply is empty."),
    "reply.too_long": ("Balasannya {length} karakter; balasan {label} paling banyak {max}.",
                       "The reply counts {length} characters; a {label} reply takes at most "
                       "{max}."),
    "fb.text_long": ("Teksnya {length} karakter; Facebook menerima paling banyak {max}.",
                     "The text has {length} characters; Facebook takes at most {max}."),
    "fb.too_many": ("{n} gambar: kiriman Facebook di sini paling banyak {max}.",
                    "{n} images: a Facebook post here takes at most {max}."),
    # -- figures a platform withheld (graph.py's metrics notes, kept on the delivery)
    "graph.figures_unread": (
        "{label} tidak memberikan angka kiriman ini kali ini ({tag}: {said}); angkanya akan "
        "dibaca lagi.",
        "{label} did not give this post's figures this time ({tag}: {said}); they will be "
        "read again."),
    "graph.few_viewers": (
        "{label} tidak menampilkan wawasan untuk kiriman yang dilihat sedikit orang (\"Not "
        "enough viewers\"); {kept} tetap disimpan.",
        "{label} shows no insights for a post seen by few people (\"Not enough viewers\"); "
        "{kept} are kept."),
    "graph.small_page": (
        "{label} hanya memberikan wawasan untuk Halaman dengan paling sedikit 100 suka; {kept} "
        "tetap disimpan.",
        "{label} gives insights only for Pages with at least 100 likes; {kept} are kept."),
    "graph.insights_permission": (
        "Token {label} tidak punya izin {permission}, jadi tayangan dan jangkauan tidak ada; "
        "{kept} tetap disimpan. Sambungkan ulang akunnya dengan izin itu untuk membacanya.",
        "The {label} token lacks the {permission} permission, so views and reach are missing; "
        "{kept} are kept. Reconnect the account with that permission to read them."),
    "graph.no_insights": (
        "{label} tidak memberikan wawasan kali ini ({tag}: {said}); {kept} tetap disimpan.",
        "{label} did not give insights this time ({tag}: {said}); {kept} are kept."),
    "kept.facebook": ("reaksi, komentar, dan bagikan", "reactions, comments and shares"),
    "kept.graph": ("suka dan komentar", "likes and comments"),
    "graph.batch_unreadable": ("Jawaban gabungan {label} tidak dapat dibaca.",
                               "{label}'s batch answer could not be read."),
    "image.unreadable": ("Gambar {name} tidak dapat dibaca (sudah dipindah atau dihapus?): "
                         "tambahkan lagi.",
                         "The image {name} cannot be read (was it moved or deleted?): add it "
                         "again."),
    "image.not_image": ("{name} bukan gambar yang diterima {label} (JPEG atau PNG).",
                        "{name} is not an image {label} accepts (JPEG or PNG)."),
    "image.refused": ("Gambar {name} tidak dapat dikirim ke {label}: {problems}.",
                      "The image {name} cannot go to {label}: {problems}."),
    "image.format": ("formatnya {kind}, {label} menerima {kinds}",
                     "it is {kind}, {label} takes {kinds}"),
    "image.size": ("ukurannya {mb} MB, {label} menerima paling besar {max} MB",
                   "it is {mb} MB, {label} takes at most {max} MB"),
    "image.shape": ("bentuknya ({width}×{height}) di luar yang diterima {label} (dari 4:5 "
                    "tegak sampai 1,91:1 melebar)",
                    "its shape ({width}×{height}) is outside what {label} takes (from 4:5 "
                    "upright to 1.91:1 wide)"),
    "image.narrow": ("lebarnya {width} piksel, {label} memerlukan paling sedikit {min}",
                     "it is {width} pixels wide, {label} needs at least {min}"),
    # -- the object store Instagram fetches images from (media_store.py)
    "store.missing": ("Gambar tidak ditemukan: {name}", "Image not found: {name}"),
    "store.credentials": (
        "Penyimpanan objek menolak kredensialnya saat {action}: periksa OUTREACH_S3_ACCESS_KEY_ID "
        "dan OUTREACH_S3_SECRET_ACCESS_KEY (penyimpanan mengatakan: {said}).",
        "The object store refused the credentials while {action}: check "
        "OUTREACH_S3_ACCESS_KEY_ID and OUTREACH_S3_SECRET_ACCESS_KEY (the store said: {said})."),
    "store.forbidden": (
        "Penyimpanan objek menolak akses ke bucket {bucket} saat {action}: periksa "
        "OUTREACH_S3_ACCESS_KEY_ID dan OUTREACH_S3_SECRET_ACCESS_KEY, dan bahwa kunci ini boleh "
        "membaca dan menulis objek di bawah OUTREACH_S3_PREFIX di sana (penyimpanan mengatakan: "
        "{said}).",
        "The object store refused access to the bucket {bucket} while {action}: check "
        "OUTREACH_S3_ACCESS_KEY_ID and OUTREACH_S3_SECRET_ACCESS_KEY, and that this key may "
        "read and write objects under OUTREACH_S3_PREFIX there (the store said: {said})."),
    "store.no_bucket": (
        "Bucket {bucket} tidak ada di {where}: periksa OUTREACH_S3_BUCKET dan "
        "OUTREACH_S3_ENDPOINT_URL (penyimpanan mengatakan: {said}).",
        "The bucket {bucket} does not exist at {where}: check OUTREACH_S3_BUCKET and "
        "OUTREACH_S3_ENDPOINT_URL (the store said: {said})."),
    "store.region": (
        "Penyimpanan objek tidak menerima permintaan saat {action}: periksa OUTREACH_S3_REGION "
        "dan OUTREACH_S3_ENDPOINT_URL (penyimpanan mengatakan: {said}).",
        "The object store did not accept the request while {action}: check OUTREACH_S3_REGION "
        "and OUTREACH_S3_ENDPOINT_URL (the store said: {said})."),
    "store.busy": ("Penyimpanan objek sempat tidak tersedia saat {action}; akan dicoba lagi "
                   "(penyimpanan mengatakan: {said}).",
                   "The object store was briefly unavailable while {action}; it will be tried "
                   "again (the store said: {said})."),
    "store.refused": ("Penyimpanan objek menolak {action} (penyimpanan mengatakan: {said}).",
                      "The object store refused {action} (the store said: {said})."),
    "store.no_credentials": (
        "Belum ada kredensial untuk penyimpanan objek: isi OUTREACH_S3_ACCESS_KEY_ID dan "
        "OUTREACH_S3_SECRET_ACCESS_KEY.",
        "No credentials for the object store: set OUTREACH_S3_ACCESS_KEY_ID and "
        "OUTREACH_S3_SECRET_ACCESS_KEY."),
    "store.settings": ("Pengaturan penyimpanan objek tidak sah: {said}",
                       "The object store settings are not valid: {said}"),
    "store.unreachable": (
        "Penyimpanan objek di {where} tidak dapat dihubungi saat {action}; akan dicoba lagi "
        "(periksa OUTREACH_S3_ENDPOINT_URL bila ini berlanjut).",
        "Could not reach the object store at {where} while {action}; it will be tried again "
        "(check OUTREACH_S3_ENDPOINT_URL if this goes on)."),
    "store.failed": ("Penyimpanan objek gagal saat {action} ({error}); akan dicoba lagi.",
                     "The object store failed while {action} ({error}); it will be tried "
                     "again."),
}

# What the Graph client was doing (`action=` in graph.py and its platforms).
ACTIONS: dict[str, str] = {
    "reading the token's permissions": "membaca izin token",
    "checking the Page token": "memeriksa token Halaman",
    "publishing the photo": "menerbitkan foto",
    "uploading a photo": "mengunggah foto",
    "publishing the post": "menerbitkan kiriman",
    "looking for the post": "mencari kiriman",
    "reading comments": "membaca komentar",
    "replying to the comment": "membalas komentar",
    "reading metrics": "membaca metrik",
    "checking the access token": "memeriksa token akses",
    "reading the publishing limit": "membaca batas penerbitan",
    "sending the image to Instagram": "mengirim gambar ke Instagram",
    "checking the image": "memeriksa gambar",
    "reading the post's address": "membaca alamat kiriman",
    # instagrapi (instagram_private/) and the object store (media_store.py)
    "checking the session": "memeriksa sesi",
    "signing in": "masuk",
    "signing in again": "masuk lagi",
    "uploading the image": "mengunggah gambar",
    "uploading the images": "mengunggah gambar-gambar",
    "storing the image": "menyimpan gambar",
}

NESTED = frozenset({"why", "what", "how", "action", "Action", "detail", "where", "tag",
                    "kept"})
# Fields that hold several phrases joined by "; " (each translated on its own).
LISTS = frozenset({"problems"})
# Fields that hold what the platform itself said (its own words, in its own language).
FOREIGN = frozenset({"said"})
Quote = Callable[[str], str]


def english(locale: str) -> bool:
    return locale.startswith("en")


def reason(key: str, /, **params: object) -> str:
    """The English sentence of a code (for PublishError.message, logs and the CLI)."""
    return REASONS[key][1].format(**params)


def say(key: str, locale: str = "id", /, **params: object) -> str:
    indonesian, in_english = REASONS[key]
    return (in_english if english(locale) else indonesian).format(**params)


REASONS.update(ACCESS)
# Whole sentences of their own may contain what follows them (see Sentences); short phrases
# (a tag, a place) may not.
_SENTENCES = Sentences(REASONS, greedy=NESTED - {"tag", "where", "kept"})


def _phrase(name: str, value: str, locale: str, quote: Quote | None) -> str:
    if name == "Action":
        inner = ACTIONS.get(value[:1].lower() + value[1:])
        return inner[:1].upper() + inner[1:] if inner else value
    if name == "action":
        return ACTIONS.get(value, value)
    if name in LISTS:
        return "; ".join(translate(part, locale, quote) for part in value.split("; "))
    return translate(value, locale, quote)


def translate(text: str | None, locale: str = "id", quote: Quote | None = None) -> str:
    """A stored English sentence in the locale's language; unknown sentences stay as they are.

    `quote` (a page's) marks the words that stay in the platform's language: each FOREIGN
    field and a whole sentence that matches nothing go through it, and it returns them as
    markup (`<q lang="en">`); the rest of the sentence is then escaped around them. Without it
    (mail, CSV, CLI) everything is plain text."""
    if not text or english(locale):
        return text or ""
    found = _SENTENCES.match(text.strip())
    if found is None:
        return quote(text) if quote is not None else text
    code, values = found
    values = {k: (_phrase(k, v, locale, quote) if k in NESTED | LISTS
                  else quote(v) if quote is not None and k in FOREIGN else v)
              for k, v in values.items()}
    if quote is None:
        return say(code, locale, **values)
    return Markup(escape(REASONS[code][0])).format(**values)
