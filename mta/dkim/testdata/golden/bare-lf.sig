DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com;
 s=ed1; t=1762250400; h=from:subject:date:to:message-id:from:to:cc:subject:
 reply-to; bh=Exh+vJDEelJWNwcWVoJrlGCJsYBrw8lFVcastSmrC/g=; b=pD/s7RMgGAoGxo4v
 o3zHRwFjhsTLuzeb8BeRDQn4t8dUgl/hMcdHv0hIahdUsCdUpPeFkDwZGMdnqSgIv3v6AA==
