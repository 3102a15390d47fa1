"""Pages for suggestions, one module per audience; ``urls.py`` joins their ``urlpatterns``.

- ``deputy``: the phone-first pages of deputies, and the item page every role shares;
- ``staff``: the 交办机构's review queue, assignment, disputes, extensions and board;
- ``unit``: the handling unit's queue, communication log, opinion, reply and approval;
- ``ledger``: the ledger, the statistics and their exports;
- ``imports``: the Excel import with its row-by-row report;
- ``public``: search for logged-in roles (the portal has its own ``urls_portal``).
"""
