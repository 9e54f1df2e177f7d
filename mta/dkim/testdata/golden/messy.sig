DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com;
 s=ed1; t=1762250400; h=from:subject:date:to:message-id:mime-version:
 content-type:list-unsubscribe:list-unsubscribe-post:from:to:cc:subject:
 reply-to; bh=P5517Nn3RmH/FkXSAZz0A2l/j0ERl8HTIb+D4Yfnbk4=; b=0MX4L+xLKsJPO3k1
 skH0rmem6zM+KauEAk4qbx0VC3fdnIdEzH3WbsDQYLcfKT7c5P4iHGA8G5ZZ51SV52HaCQ==
