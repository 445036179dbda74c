"""Thai labels of the shared vocabulary that more than one service shows people (stdlib only)."""
from __future__ import annotations

# an asset's category (assets registers them; notify names them in transfer mails)
ASSET_CATEGORY_TH = {"durable_article": "ครุภัณฑ์", "building": "อาคารและสิ่งก่อสร้าง",
                     "land_improvement": "ส่วนปรับปรุงที่ดิน", "other": "อื่น ๆ"}
# a step of an asset's ledger (assets records them; the gateway's exports show them)
ASSET_ACTION_TH = {"register": "ลงทะเบียน", "request": "ขอโอน", "approve": "อนุมัติการโอน",
                   "hand_over": "ส่งมอบ", "accept": "รับโอน", "reject": "ปฏิเสธการรับโอน",
                   "cancel": "ยกเลิกการโอน", "audit": "ตรวจนับ"}
