"""The window's record dialogs: ``base`` (FormDialog, the form every dialog builds on),
``people`` (五老 and 帮扶对象) and ``records`` (关工组织, 结对, 帮扶记录, 活动, 捐赠, 表彰, 慰问)."""
